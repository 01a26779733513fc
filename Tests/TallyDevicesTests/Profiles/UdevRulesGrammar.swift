import Foundation

/// A checker for the udev rules grammar, as systemd-udevd 252 (Debian 12) parses it (`man 7 udev`,
/// src/udev/udev-rules.c), used because `udevadm verify` only exists from systemd 253.
///
/// A rules file is a list of lines; `#` starts a comment line; a line ending in `\` continues on the
/// next. A rule is a comma- or space-separated list of `KEY[{attribute}] OPERATOR "value"` tokens.
/// Match operators are `==` and `!=`; assignment operators `=`, `+=`, `-=` and `:=`. Each key accepts
/// only some operators and needs, allows or forbids an attribute. Whatever udevd would reject or only
/// warn about (and then ignore or reinterpret) is an error here, so a file that passes is read by udevd
/// exactly as written.
enum UdevRulesGrammar {
    enum Operator: String, CaseIterable {
        case match = "==", noMatch = "!=", add = "+=", remove = "-=", assign = "=", assignFinal = ":="

        var isMatch: Bool { self == .match || self == .noMatch }
    }

    struct Token: Equatable {
        var key: String
        var attribute: String?
        var op: Operator
        var value: String
    }

    struct Rule: Equatable {
        /// The line the rule starts on (1-based).
        var line: Int
        var tokens: [Token]

        /// The values of every token with this key (and attribute, when given).
        func values(_ key: String, attribute: String? = nil) -> [String] {
            tokens.filter { $0.key == key && (attribute == nil || $0.attribute == attribute) }.map(\.value)
        }
    }

    struct Problem: Error, CustomStringConvertible, Equatable {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// Every rule, and every problem found.
    static func check(_ text: String) -> (rules: [Rule], problems: [Problem]) {
        var rules: [Rule] = []
        var problems: [Problem] = []
        var labels: [String: Int] = [:]
        var gotos: [(label: String, line: Int)] = []

        for (line, number) in logicalLines(text) {
            do {
                let tokens = try tokenize(line, number: number)
                var assigns = false
                var gotoCount = 0
                for token in tokens {
                    try checkToken(token, line: number)
                    if !token.op.isMatch || ["PROGRAM", "IMPORT"].contains(token.key) { assigns = true }
                    if token.key == "GOTO" {
                        gotoCount += 1
                        gotos.append((token.value, number))
                    }
                    if token.key == "LABEL" {
                        if let first = labels[token.value] {
                            problems.append(Problem(line: number, message: "LABEL \"\(token.value)\" already defined on line \(first)"))
                        }
                        labels[token.value] = number
                    }
                }
                if gotoCount > 1 { throw Problem(line: number, message: "more than one GOTO in a rule") }
                if !assigns { throw Problem(line: number, message: "the rule only matches: it has no effect") }
                rules.append(Rule(line: number, tokens: tokens))
            } catch let problem as Problem {
                problems.append(problem)
            } catch {
                problems.append(Problem(line: number, message: "\(error)"))
            }
        }
        for (label, line) in gotos {
            guard let target = labels[label] else {
                problems.append(Problem(line: line, message: "GOTO \"\(label)\" has no LABEL in this file"))
                continue
            }
            if target < line { problems.append(Problem(line: line, message: "GOTO \"\(label)\" jumps backwards (udev only jumps forward)")) }
        }
        return (rules, problems.sorted { $0.line < $1.line })
    }

    /// The lines that hold rules, with continuations joined and comments and blank lines dropped.
    static func logicalLines(_ text: String) -> [(String, Int)] {
        var result: [(String, Int)] = []
        var pending: (text: String, line: Int)?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw.drop { $0 == " " || $0 == "\t" })
            if line.hasPrefix("#") { continue }
            var body = line
            let continues = body.hasSuffix("\\")
            if continues { body.removeLast() }
            if var open = pending {
                open.text += body
                pending = open
            } else if !body.trimmingCharacters(in: .whitespaces).isEmpty || continues {
                pending = (body, index + 1)
            }
            if !continues, let done = pending {
                if !done.text.trimmingCharacters(in: .whitespaces).isEmpty { result.append((done.text, done.line)) }
                pending = nil
            }
        }
        if let done = pending { result.append((done.text, done.line)) }
        return result
    }

    /// Splits one rule into tokens (udev's `parse_line`).
    static func tokenize(_ line: String, number: Int) throws -> [Token] {
        let characters = Array(line)
        var index = 0
        var tokens: [Token] = []
        func fail(_ message: String) -> Problem { Problem(line: number, message: message) }
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" }

        while true {
            // Tokens are separated by whitespace and commas.
            while index < characters.count, isSpace(characters[index]) || characters[index] == "," { index += 1 }
            if index == characters.count { break }

            // KEY
            let keyStart = index
            while index < characters.count, characters[index].isLetter, characters[index].isUppercase { index += 1 }
            let key = String(characters[keyStart..<index])
            guard !key.isEmpty else { throw fail("expected a KEY at column \(keyStart + 1), found \"\(characters[keyStart])\"") }

            // {attribute}
            var attribute: String?
            if index < characters.count, characters[index] == "{" {
                guard let close = characters[index...].firstIndex(of: "}") else { throw fail("\(key){ has no closing }") }
                attribute = String(characters[(index + 1)..<close])
                index = close + 1
            }
            while index < characters.count, isSpace(characters[index]) { index += 1 }

            // OPERATOR
            let rest = String(characters[index...])
            guard let op = [Operator.match, .noMatch, .add, .remove, .assignFinal, .assign].first(where: { rest.hasPrefix($0.rawValue) }) else {
                throw fail("\(key): expected an operator (== != = += -= :=) at column \(index + 1)")
            }
            index += op.rawValue.count
            while index < characters.count, isSpace(characters[index]) { index += 1 }

            // "value" or e"value"
            var escaped = false
            if index < characters.count, characters[index] == "e" {
                escaped = true
                index += 1
            }
            guard index < characters.count, characters[index] == "\"" else { throw fail("\(key): the value must be double-quoted") }
            index += 1
            var value = ""
            var closed = false
            while index < characters.count {
                let c = characters[index]
                if c == "\\", index + 1 < characters.count {
                    let next = characters[index + 1]
                    if escaped {
                        switch next {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "a", "b", "f", "r", "v": value.append(" ")
                        default: throw fail("\(key): unknown escape \\\(next) in e\"...\"")
                        }
                        index += 2
                        continue
                    }
                    if next == "\"" {
                        value.append("\"")
                        index += 2
                        continue
                    }
                }
                if c == "\"" {
                    closed = true
                    index += 1
                    break
                }
                value.append(c)
                index += 1
            }
            guard closed else { throw fail("\(key): the value has no closing quote") }
            if index < characters.count, !(isSpace(characters[index]) || characters[index] == ",") {
                throw fail("\(key): expected , or a space after the value, found \"\(characters[index])\"")
            }
            tokens.append(Token(key: key, attribute: attribute, op: op, value: value))
        }
        return tokens
    }

    // MARK: - Keys

    /// Keys that only match, and take no attribute.
    static let plainMatchKeys: Set<String> = [
        "ACTION", "DEVPATH", "KERNEL", "SUBSYSTEM", "DRIVER", "KERNELS", "SUBSYSTEMS", "DRIVERS", "TAGS", "RESULT",
    ]
    static let importTypes: Set<String> = ["file", "program", "builtin", "db", "cmdline", "parent"]
    static let builtins: Set<String> = [
        "blkid", "btrfs", "hwdb", "input_id", "keyboard", "kmod", "net_id", "net_setup_link", "path_id", "usb_id", "uaccess",
    ]
    static let reservedEnv: Set<String> = [
        "ACTION", "DEVLINKS", "DEVNAME", "DEVPATH", "DEVTYPE", "DRIVER", "IFINDEX", "MAJOR", "MINOR", "SEQNUM", "SUBSYSTEM", "TAGS",
    ]

    static func checkToken(_ token: Token, line: Int) throws {
        let key = token.key
        func fail(_ message: String) -> Problem { Problem(line: line, message: "\(key)\(token.attribute.map { "{\($0)}" } ?? ""): \(message)") }
        func noAttribute() throws { if token.attribute != nil { throw fail("takes no {attribute}") } }
        func needsAttribute() throws {
            guard let attribute = token.attribute, !attribute.isEmpty else { throw fail("needs an {attribute}") }
            try checkFormat(attribute, line: line, what: "\(key) attribute")
        }
        func ops(_ allowed: [Operator]) throws {
            guard allowed.contains(token.op) else {
                throw fail("operator \(token.op.rawValue) is not allowed (allowed: \(allowed.map(\.rawValue).joined(separator: " ")))")
            }
        }
        func nonEmpty() throws { if token.value.isEmpty { throw fail("empty value") } }
        func format() throws { try checkFormat(token.value, line: line, what: key) }

        switch key {
        case _ where plainMatchKeys.contains(key):
            try noAttribute()
            try ops([.match, .noMatch])
        case "ATTRS":
            try needsAttribute()
            try ops([.match, .noMatch])
        case "CONST":
            guard let attribute = token.attribute, ["arch", "virt"].contains(attribute) else { throw fail("attribute must be arch or virt") }
            try ops([.match, .noMatch])
        case "SYMLINK":
            try noAttribute()
            try ops([.match, .noMatch, .assign, .add, .assignFinal])
            if !token.op.isMatch { try format() }
        case "NAME":
            try noAttribute()
            try ops([.match, .noMatch, .assign, .assignFinal])
            if !token.op.isMatch {
                try nonEmpty()
                try format()
            }
        case "ENV":
            try needsAttribute()
            try ops([.match, .noMatch, .assign, .add])
            if !token.op.isMatch {
                if reservedEnv.contains(token.attribute!) { throw fail("\(token.attribute!) cannot be set") }
                try format()
            }
        case "TAG":
            try noAttribute()
            try ops([.match, .noMatch, .assign, .add, .remove])
            if !token.op.isMatch {
                try nonEmpty()
                try format()
            }
        case "ATTR", "SYSCTL":
            try needsAttribute()
            try ops([.match, .noMatch, .assign])
            if !token.op.isMatch { try format() }
        case "TEST":
            if let attribute = token.attribute, !attribute.isEmpty, UInt32(attribute, radix: 8) == nil {
                throw fail("the attribute must be an octal mode")
            }
            try ops([.match, .noMatch])
            try nonEmpty()
            try format()
        case "PROGRAM":
            try noAttribute()
            try ops([.match, .noMatch, .assign, .add, .assignFinal])
            try nonEmpty()
            try format()
        case "IMPORT":
            guard let attribute = token.attribute, importTypes.contains(attribute) else {
                throw fail("attribute must be one of \(importTypes.sorted().joined(separator: ", "))")
            }
            try ops([.match, .noMatch, .assign, .add, .assignFinal])
            try nonEmpty()
            try format()
            if attribute == "builtin", let name = token.value.split(separator: " ").first, !builtins.contains(String(name)) {
                throw fail("unknown builtin \(name)")
            }
        case "OPTIONS":
            try noAttribute()
            try ops([.assign, .add, .assignFinal])
            let known = ["string_escape=none", "string_escape=replace", "db_persist", "watch", "nowatch"]
            let prefixed = ["static_node=", "link_priority=", "log_level="]
            guard known.contains(token.value) || prefixed.contains(where: { token.value.hasPrefix($0) }) else {
                throw fail("unknown option \"\(token.value)\"")
            }
            if let priority = token.value.split(separator: "=").last, token.value.hasPrefix("link_priority="), Int(priority) == nil {
                throw fail("link_priority must be a number")
            }
        case "OWNER", "GROUP":
            try noAttribute()
            try ops([.assign, .assignFinal])
            try nonEmpty()
            try format()
        case "MODE":
            try noAttribute()
            try ops([.assign, .assignFinal])
            try nonEmpty()
            if UInt32(token.value, radix: 8) == nil { try format() }
        case "SECLABEL":
            try needsAttribute()
            try ops([.assign, .add])
            try nonEmpty()
            try format()
        case "RUN":
            if let attribute = token.attribute, !["program", "builtin"].contains(attribute) {
                throw fail("attribute must be program or builtin")
            }
            try ops([.assign, .add, .assignFinal])
            try nonEmpty()
            try format()
            if token.attribute == "builtin", let name = token.value.split(separator: " ").first, !builtins.contains(String(name)) {
                throw fail("unknown builtin \(name)")
            }
        case "GOTO", "LABEL":
            try noAttribute()
            try ops([.assign])
            try nonEmpty()
        default:
            throw fail("unknown key")
        }
    }

    /// udev's `udev_check_format`: `$name`, `$name{arg}`, `%c`, `%c{arg}`, `$$` and `%%`.
    static func checkFormat(_ value: String, line: Int, what: String) throws {
        let long: [String: (needsArgument: Bool, allowsArgument: Bool)] = [
            "devnode": (false, false), "tempnode": (false, false), "attr": (true, true), "sysfs": (true, true),
            "env": (true, true), "kernel": (false, false), "number": (false, false), "driver": (false, false),
            "devpath": (false, false), "id": (false, false), "major": (false, false), "minor": (false, false),
            "result": (false, true), "parent": (false, false), "name": (false, false), "links": (false, false),
            "root": (false, false), "sys": (false, false),
        ]
        let short: [Character: String] = [
            "N": "devnode", "s": "attr", "E": "env", "k": "kernel", "n": "number", "d": "driver", "p": "devpath",
            "b": "id", "M": "major", "m": "minor", "c": "result", "P": "parent", "D": "name", "r": "root", "S": "sys",
        ]
        let characters = Array(value)
        var index = 0
        func fail(_ message: String) -> Problem { Problem(line: line, message: "\(what): \(message) in \"\(value)\"") }
        while index < characters.count {
            let c = characters[index]
            guard c == "$" || c == "%" else {
                index += 1
                continue
            }
            guard index + 1 < characters.count else { throw fail("\(c) at the end") }
            let next = characters[index + 1]
            if next == c {
                index += 2
                continue
            }
            let name: String
            if c == "$" {
                var end = index + 1
                while end < characters.count, characters[end].isLetter { end += 1 }
                name = String(characters[(index + 1)..<end])
                guard long[name] != nil else { throw fail("unknown substitution $\(name)") }
                index = end
            } else {
                guard let mapped = short[next] else { throw fail("unknown substitution %\(next)") }
                name = mapped
                index += 2
            }
            let rule = long[name]!
            if index < characters.count, characters[index] == "{" {
                guard rule.allowsArgument else { throw fail("\(name) takes no {argument}") }
                guard let close = characters[index...].firstIndex(of: "}") else { throw fail("unclosed {") }
                if close == index + 1 { throw fail("empty {argument}") }
                index = close + 1
            } else if rule.needsArgument {
                throw fail("\(name) needs an {argument}")
            }
        }
    }
}
