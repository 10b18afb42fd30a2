# dumps.awk - callgrind dumps (measure.h segments) to report lines:
#   budget;what;role;side;n;instructions;instructions
# Files in the order callgrind wrote them; dumps without a segment label
# (program termination) are skipped.
/^desc: Trigger: Client Request: / {
    label = substr($0, length("desc: Trigger: Client Request: ") + 1)
}
/^totals: / && label != "" {
    print label ";" $2 ";instructions"
    label = ""
}
