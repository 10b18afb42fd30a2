# report.awk - pairs a bench's figures into ratios and judges the budgets.
# Input lines: budget;what;role;side;n;total;unit
#   budget  =R  the measured side may cost at most R times the baseline
#           ~R  the same budget, shown but not judged (CPU time on a shared
#               machine is not a stable figure: nothing timed is asserted)
#           -   for information
#   role    measured or baseline; total: over n operations, in unit.
# Prints one line per figure, in the order figures first appear, and at the
# end "bench: budgets: N passed, N failed, N for information".
BEGIN { FS = ";" }
NF == 7 {
    what = $2
    if (!(what in budget)) {
        order[++count] = what
        budget[what] = $1
    }
    side[what, $3] = $4
    per[what, $3] = $6 / $5
    unit[what] = $7
}
function amount(value, u) {
    return u == "instructions" ? sprintf("%d instructions", value) : sprintf("%.1f %s", value, u)
}
END {
    passed = failed = info = 0
    for (i = 1; i <= count; i++) {
        w = order[i]
        if (!((w, "measured") in per) || !((w, "baseline") in per)) {
            printf "bench: %s: a side is missing\n", w
            failed++
            continue
        }
        m = per[w, "measured"]; b = per[w, "baseline"]
        ratio = b > 0 ? m / b : 0
        limit = substr(budget[w], 2) + 0
        if (budget[w] ~ /^=/) {
            verdict = ratio <= limit ? "within budget" : "OVER budget"
            if (ratio <= limit) passed++; else failed++
            verdict = sprintf("%s %s", verdict, substr(budget[w], 2))
        } else if (budget[w] ~ /^~/) {
            verdict = sprintf("budget %s, time: shown, not judged", substr(budget[w], 2))
            info++
        } else {
            verdict = "for information"
            info++
        }
        printf "bench: %s: %s each %s, %s %s: ratio %.4f (%s)\n", w, amount(m, unit[w]),
            side[w, "measured"], amount(b, unit[w]), side[w, "baseline"], ratio, verdict
    }
    printf "bench: budgets: %d passed, %d failed, %d for information\n", passed, failed, info
    exit failed > 0
}
