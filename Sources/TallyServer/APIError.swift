import Foundation
import Hummingbird

/// An API failure: an HTTP status and a message, sent as `{"error": "..."}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let message: String

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.response(status: status, message: message)
    }

    /// The JSON error response.
    static func response(status: HTTPResponse.Status, message: String) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error that is not an ``APIError`` (router 404s, Hummingbird's own errors, anything thrown)
/// into the same JSON shape.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return APIError.response(status: error.status, message: error.message)
        } catch let error as HTTPResponseError {
            let message = error.status == .notFound ? "no such resource: \(request.uri.path)" : "\(error.status.reasonPhrase)"
            return APIError.response(status: error.status, message: message)
        } catch {
            return APIError.response(status: .internalServerError, message: "\(error)")
        }
    }
}
