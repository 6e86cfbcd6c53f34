# The benchmarks' measuring: each workload REPEAT times ($repeat), its last
# output line kept per repetition (results[name]), the median reported.
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A results
measure() {  # name, command...
    local name=$1 i
    shift
    for ((i = 1; i <= repeat; i++)); do results[$name]+="$("$@" | tail -n 1) "; done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
m() { echo "${results[$1]}" | median; }
