/// The sample manifest `tally demo` runs on: one load, three pallets with SSCC labels and 40 serialized
/// assets (laptops, servers, drives, monitors), most data-bearing with erasure evidence.
///
/// It is also written out as `docs/sample-manifest.csv`; a test keeps the two identical.
public enum SampleManifest {
    /// The load id.
    public static let load = "L-2611-A"
    /// The pallet SSCCs, in loading order.
    public static let pallets = ["306141410004510006", "306141410004520005", "306141410004530004"]

    /// The manifest in the documented CSV format.
    public static let csv = """
load,pallet,serial,asset_tag,make,model,category,data_bearing,sanitization,evidence,pallet_expected_weight,pallet_weight_unit,pallet_tolerance
L-2611-A,306141410004510006,JX4K2M1,AT-100231,Dell,Latitude 5420,laptop,true,erased,BL-26-004511,412.0,kg,2%
L-2611-A,306141410004510006,8KQ7ZD3,AT-100232,Dell,Latitude 5420,laptop,true,erased,BL-26-004512,,,
L-2611-A,306141410004510006,5CD1382VKT,AT-100233,HP,EliteBook 840 G8,laptop,true,erased,BL-26-004513,,,
L-2611-A,306141410004510006,5CD1382VLA,AT-100234,HP,EliteBook 840 G8,laptop,true,erased,BL-26-004514,,,
L-2611-A,306141410004510006,PF3K9XZ1,AT-100235,Lenovo,ThinkPad T14 Gen 2,laptop,true,erased,BL-26-004515,,,
L-2611-A,306141410004510006,PF3K9Y07,AT-100236,Lenovo,ThinkPad T14 Gen 2,laptop,true,erased,BL-26-004516,,,
L-2611-A,306141410004510006,PF3KA11M,AT-100237,Lenovo,ThinkPad T14 Gen 2,laptop,true,pending,,,,
L-2611-A,306141410004510006,C02FK1XQMD6T,AT-100238,Apple,MacBook Pro 14,laptop,true,erased,BL-26-004518,,,
L-2611-A,306141410004510006,CN0H4T8V,AT-100239,Dell,P2422H,monitor,false,none,,,,
L-2611-A,306141410004510006,CN0H4T9C,AT-100240,Dell,P2422H,monitor,false,none,,,,
L-2611-A,306141410004510006,CN0H4TB2,AT-100241,Dell,P2422H,monitor,false,none,,,,
L-2611-A,306141410004510006,FOC2333Y1AB,AT-100242,Cisco,Catalyst 2960-X,switch,false,none,,,,
L-2611-A,306141410004510006,FOC2333Y1AC,AT-100243,Cisco,Catalyst 2960-X,switch,false,none,,,,
L-2611-A,306141410004510006,MXQ12004HZ,AT-100244,HPE,ProLiant DL360 Gen10,server,true,erased,BL-26-004524,,,
L-2611-A,306141410004520005,4XBRJ93,AT-100301,Dell,PowerEdge R640,server,true,erased,BL-26-004601,388.5,kg,2%
L-2611-A,306141410004520005,4XBRJ94,AT-100302,Dell,PowerEdge R640,server,true,erased,BL-26-004602,,,
L-2611-A,306141410004520005,J30MZT7,AT-100303,Lenovo,ThinkSystem SR650,server,true,erased,BL-26-004603,,,
L-2611-A,306141410004520005,WD-WX12D80A1B2C,AT-100304,WD,Ultrastar DC HC550,drive,true,erased,BL-26-004604,,,
L-2611-A,306141410004520005,WD-WX12D80A1B2D,AT-100305,WD,Ultrastar DC HC550,drive,true,erased,BL-26-004605,,,
L-2611-A,306141410004520005,WD-WX12D80A1B2E,AT-100306,WD,Ultrastar DC HC550,drive,true,erased,BL-26-004606,,,
L-2611-A,306141410004520005,ZL2F5KQ1,AT-100307,Seagate,Exos X18,drive,true,erased,BL-26-004607,,,
L-2611-A,306141410004520005,ZL2F5KQ2,AT-100308,Seagate,Exos X18,drive,true,erased,BL-26-004608,,,
L-2611-A,306141410004520005,ZL2F5KQ3,AT-100309,Seagate,Exos X18,drive,true,destroyed,SHR-26-0193,,,
L-2611-A,306141410004520005,S4EWNX0R301234,AT-100310,Samsung,PM883 SSD,drive,true,erased,BL-26-004610,,,
L-2611-A,306141410004520005,S4EWNX0R301235,AT-100311,Samsung,PM883 SSD,drive,true,erased,BL-26-004611,,,
L-2611-A,306141410004520005,S4EWNX0R301236,AT-100312,Samsung,PM883 SSD,drive,true,erased,BL-26-004612,,,
L-2611-A,306141410004520005,NA2PS0Q7,AT-100313,NetApp,DS224C shelf,storage,false,none,,,,
L-2611-A,306141410004530004,2UA0371KJX,AT-100401,HP,EliteDesk 800 G6,desktop,true,erased,BL-26-004701,265.0,kg,5 kg
L-2611-A,306141410004530004,2UA0371KK0,AT-100402,HP,EliteDesk 800 G6,desktop,true,erased,BL-26-004702,,,
L-2611-A,306141410004530004,2UA0371KK3,AT-100403,HP,EliteDesk 800 G6,desktop,true,erased,BL-26-004703,,,
L-2611-A,306141410004530004,MJ0BZQ8M,AT-100404,Lenovo,ThinkCentre M70q,desktop,true,erased,BL-26-004704,,,
L-2611-A,306141410004530004,MJ0BZQ8P,AT-100405,Lenovo,ThinkCentre M70q,desktop,true,erased,BL-26-004705,,,
L-2611-A,306141410004530004,MJ0BZQ8T,AT-100406,Lenovo,ThinkCentre M70q,desktop,true,erased,BL-26-004706,,,
L-2611-A,306141410004530004,7TDX0K3,AT-100407,Dell,OptiPlex 7090,desktop,true,erased,BL-26-004707,,,
L-2611-A,306141410004530004,7TDX0K4,AT-100408,Dell,OptiPlex 7090,desktop,true,erased,BL-26-004708,,,
L-2611-A,306141410004530004,7TDX0K5,AT-100409,Dell,OptiPlex 7090,desktop,true,erased,BL-26-004709,,,
L-2611-A,306141410004530004,CN0J1X7Q,AT-100410,Dell,U2722D,monitor,false,none,,,,
L-2611-A,306141410004530004,CN0J1X7R,AT-100411,Dell,U2722D,monitor,false,none,,,,
L-2611-A,306141410004530004,DMPZK2XQ,AT-100412,Apple,iPad 9th gen,tablet,true,erased,BL-26-004712,,,
L-2611-A,306141410004530004,R58N123ABC,AT-100413,Samsung,Galaxy Tab A8,tablet,true,erased,BL-26-004713,,,

"""
}
