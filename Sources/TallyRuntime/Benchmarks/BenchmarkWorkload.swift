import Foundation
import TallyCore

/// Synthetic, deterministic workloads for the benchmarks: a large manifest and a realistic event mix.
public enum BenchmarkWorkload {
    /// Serial of asset `index`: looks like a real service tag or drive serial (8 to 12 characters).
    public static func serial(_ index: Int) -> String {
        let prefixes = ["PF3K", "5CD1", "JX4K", "WD-WX1", "ZL2F", "C02F"]
        return prefixes[index % prefixes.count] + String(index, radix: 36).uppercased()
    }

    /// An SSCC for pallet `index` (GS1 company prefix 0614141, valid check digit).
    public static func sscc(_ index: Int) -> String {
        let body = "3" + "0614141" + String(repeating: "0", count: max(0, 9 - String(index).count)) + String(index)
        return body + String(GS1CheckDigit.compute(body)!)
    }

    /// A CSV manifest of `assets` rows: `pallets` pallets of equal size, 10 loads.
    public static func manifestCSV(assets: Int, pallets: Int) -> [UInt8] {
        var text = "load,pallet,serial,asset_tag,make,model,category,data_bearing,sanitization,evidence,pallet_expected_weight,pallet_weight_unit,pallet_tolerance\n"
        text.reserveCapacity(assets * 110)
        let perPallet = max(1, assets / pallets)
        let makes = [("Dell", "Latitude 5420", "laptop"), ("HP", "EliteBook 840 G8", "laptop"), ("Lenovo", "ThinkPad T14", "laptop"),
                     ("WD", "Ultrastar HC550", "drive"), ("Dell", "PowerEdge R640", "server"), ("Dell", "P2422H", "monitor")]
        for index in 0..<assets {
            let pallet = index / perPallet
            let (make, model, category) = makes[index % makes.count]
            let dataBearing = category != "monitor"
            text += "L-\(pallet % 10),\(sscc(pallet)),\(serial(index)),AT-\(index),\(make),\(model),\(category),"
            text += dataBearing ? "true,erased,BL-\(index)," : "false,none,,"
            text += index % perPallet == 0 ? "\(400 + pallet % 100).0,kg,2%\n" : ",,\n"
        }
        return Array(text.utf8)
    }

    /// A mixed stream of scan and weight events over `manifest`'s pallets: per pallet, the label, a weight,
    /// the assets, with a few percent unexpected serials, repeats and double reads.
    public static func events(count: Int, manifest: Manifest, start: Date = Date(timeIntervalSince1970: 1_800_000_000)) -> [CustodyEvent] {
        var events: [CustodyEvent] = []
        events.reserveCapacity(count)
        var at = start
        var stationIndex = 0
        let reading = { (tenths: Int64) in
            ScaleReading(protocolName: "mt-sics", kind: .gross, weight: Weight(divisions: tenths, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram),
                         stable: true, status: .ok, raw: Array("S S     \(tenths / 10).\(tenths % 10) kg\r\n".utf8))
        }
        var n = 0
        outer: for (loadIndex, load) in manifest.loads.enumerated() {
            // Each load is worked at its own two dock doors, as on a real dock.
            let stations = ["dock-\(loadIndex * 2 + 1)", "dock-\(loadIndex * 2 + 2)"]
            for palletID in load.pallets {
                let station = stations[stationIndex % stations.count]
                stationIndex += 1
                func add(_ payload: EventPayload) -> Bool {
                    at = at.addingTimeInterval(0.75)
                    events.append(CustodyEvent(at: at, payload))
                    n += 1
                    return n >= count
                }
                if add(.scan(station: station, device: "scanner-\(station)", data: "]C100" + palletID)) { break outer }
                if add(.weight(station: station, device: "scale-\(station)", reading: reading(4000 + Int64(n % 200)))) { break outer }
                for (offset, serial) in (manifest.pallets[palletID]?.assets ?? []).enumerated() {
                    if add(.scan(station: station, device: "scanner-\(station)", data: serial)) { break outer }
                    if offset % 50 == 7, add(.scan(station: station, device: "scanner-\(station)", data: "UNEXPECTED-\(n)")) { break outer }
                    if offset % 40 == 3, add(.scan(station: station, device: "scanner-\(station)", data: serial)) { break outer }
                }
            }
        }
        return events
    }
}
