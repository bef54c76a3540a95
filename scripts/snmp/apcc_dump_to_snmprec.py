#!/usr/bin/env python3
"""Build an snmpsim agent (.snmprec) from a NUT snmp-ups dump of an APC PowerNet unit.

Each variable of the dump is turned back into the OID the `apcc` mapping reads it from
(nut-drivers/src/snmp/data/snmp_info.tsv, NUT's apc-mib.c): the multiplier is undone
(value / multiplier), lookup texts become their number (lookups.tsv), `ups.status` becomes the
four status rows (power, battery, calibration, replace-battery). Among rows of one name a scalar
(`.0`) row is preferred, and among those the first in table order (NUT's SU_FLAG_UNIQUE
high-precision row where there is one). Variables without an OID (`ups.mfr`, `device.mfr`,
`device.model`, `device.serial`, `device.type`, `driver.*`) are not in the agent: the driver
makes them.

Object types follow APC's PowerNet MIB: the delays and runtimes are TimeTicks, text rows are
OCTET STRINGs (hex when not printable ASCII), the rest INTEGER. A `device.location` written
as space-separated hex bytes (net-snmp's display of a non-ASCII string, as in the 5000 RM dump)
is put back as those bytes. A text of 127 characters was cut by NUT's 128-byte buffer
(SU_INFOSIZE): the agent holds it followed by CUT_MARK, so that the cut is exercised (snmpsim
would also strip the trailing space such a cut text can end with).

Usage: apcc_dump_to_snmprec.py DUMP.dev SYSOBJECTID > agent.snmprec
"""
import csv
import os
import re
import sys

DATA = os.path.join(os.path.dirname(__file__), "../../nut-drivers/src/snmp/data")

# PowerNet-MIB objects of type TimeTicks among the apcc rows.
TIMETICKS = {
    "1.3.6.1.4.1.318.1.1.1.2.2.3.0",  # upsAdvBatteryRunTimeRemaining
    "1.3.6.1.4.1.318.1.1.1.5.2.8.0",  # upsAdvConfigLowBatteryRunTime
    "1.3.6.1.4.1.318.1.1.1.5.2.9.0",  # upsAdvConfigReturnDelay
    "1.3.6.1.4.1.318.1.1.1.5.2.10.0",  # upsAdvConfigShutoffDelay
}
CUT_MARK = "<rest cut by NUT>"
SYSTEM = {
    "device.description": "1.3.6.1.2.1.1.1.0",
    "device.contact": "1.3.6.1.2.1.1.4.0",
    "device.location": "1.3.6.1.2.1.1.6.0",
}


def tsv(name):
    with open(os.path.join(DATA, name), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def dump_values(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#") or ": " not in line:
                continue
            name, value = line.split(": ", 1)
            # A trailing `\t#...` is the contributor's comment, not the value.
            value = value.split("\t#", 1)[0]
            values[name] = value
    return values


def octets(value):
    if re.fullmatch(r"([0-9A-F]{2} )*[0-9A-F]{2}", value) and any(
        int(b, 16) > 0x7F for b in value.split()
    ):
        return "4x", value.replace(" ", "").lower()
    if all(0x20 <= ord(c) < 0x7F for c in value):
        if len(value) == 127:
            value += CUT_MARK
        return "4", value
    return "4x", value.encode("utf-8").hex()


def main(dump, sys_object_id):
    rows = [r for r in tsv("snmp_info.tsv") if r["mib_names"] == "apcc"]
    lookups = {}
    for r in tsv("lookups.tsv"):
        lookups.setdefault(r["table"], []).append((int(r["value"]), r["nut_value"]))
    values = dump_values(dump)
    out = {"1.3.6.1.2.1.1.2.0": ("6", sys_object_id.lstrip("."))}

    def reverse(table, text):
        for key, nut in lookups[table]:
            if nut == text:
                return key
        raise SystemExit(f"{text!r} not in {table}")

    for name, value in values.items():
        if name in SYSTEM:
            out[SYSTEM[name]] = octets(value)
            continue
        if name == "ups.status":
            tokens = value.split()
            power = " ".join(t for t in tokens if t not in ("LB", "RB", "CAL"))
            status = [r for r in rows if r["nut_name"] == "ups.status"]
            wanted = {
                "apcc_pwr_info": power,
                "apcc_batt_info": "LB" if "LB" in tokens else "",
                "apcc_cal_info": "CAL" if "CAL" in tokens else "",
                "apcc_battrepl_info": "RB" if "RB" in tokens else "",
            }
            for r in status:
                key = reverse(r["lookup"], wanted[r["lookup"]])
                # batteryNormal(2) for a battery that is not low, noBatteryNeedsReplacing(1).
                if r["lookup"] == "apcc_batt_info" and not wanted[r["lookup"]]:
                    key = 2
                out[r["oid"].lstrip(".")] = ("2", str(key))
            continue
        candidates = [
            r for r in rows if r["nut_name"] == name and r["oid"] and "SU_TYPE_CMD" not in r["su_flags"]
        ]
        if not candidates:
            continue
        scalar = [r for r in candidates if r["oid"].endswith(".0")]
        row = (scalar or candidates)[0]
        oid = row["oid"].lstrip(".")
        string = "ST_FLAG_STRING" in row["info_flags"]
        if row["lookup"]:
            out[oid] = ("2", str(reverse(row["lookup"], value)))
        elif string and "SU_TYPE_INT" not in row["su_flags"] and oid not in TIMETICKS:
            out[oid] = octets(value)
        else:
            multiplier = 1.0 if string else float(row["len_or_multiplier"])
            if "SU_TYPE_TIME" in row["su_flags"]:
                # NUT multiplies the seconds by the row's length (3), see DIFFERENCES.
                multiplier = float(row["len_or_multiplier"])
            raw = round(float(value) / multiplier)
            if oid in TIMETICKS:
                out[oid] = ("67", str(raw * 100))
            else:
                out[oid] = ("2", str(raw))

    def key(oid):
        return [int(p) for p in oid.split(".")]

    for oid in sorted(out, key=key):
        kind, value = out[oid]
        print(f"{oid}|{kind}|{value}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
