#!/bin/sh
# unsup_gen.sh: writes unsup_<family>.c for every family of unsup.list.
#
# Usage: unsup_gen.sh LIST OUTDIR MPICH_INCDIR [CC]
#
# The prototypes come from MPICH's own headers (mpi.h with mpi_proto.h and
# mpio.h), run through the preprocessor so every declaration is one
# ';'-terminated text whatever its line breaks: for each listed call the
# declaration of MPI_<name> gives the return type and the parameter list,
# and the file defines PMPI_<name> with them (the compiler then checks it
# against MPICH's PMPI_ declaration) plus the weak MPI_ alias. The body
# calls mpi_unsupported() (unsup.h) with the family; a call whose return
# type is not int (MPI_File_f2c, MPI_File_c2f) returns that type's zero,
# which is MPICH's null handle. A listed call missing from the headers is an
# error: the script names it and fails.
set -eu
list=$1 out=$2 inc=$3 cc=${4:-cc}

decls=$(mktemp)
trap 'rm -f "$decls"' EXIT
printf '#include <mpi.h>\n' | $cc -E -P -I"$inc" - >"$decls"

awk -v out="$out" '
# Pass 1 (the list): family of every call, and the families in order.
FNR == NR {
    if ($0 ~ /^[ \t]*(#|$)/) next
    if ($0 ~ /^\[[a-z0-9_]+\]$/) { fam = substr($0, 2, length($0) - 2); fams[++nf] = fam; next }
    if (fam == "") { print "unsup_gen.sh: call before any [family]: " $0 > "/dev/stderr"; exit 2 }
    family[$1] = fam; order[fam] = order[fam] " " $1
    next
}
# Pass 2 (the headers, one declaration per record): keep MPI_ prototypes.
{
    gsub(/[ \t\n]+/, " ")
    if (!match($0, /[ *]MPIX?_[A-Za-z0-9_]+ ?\(/)) next
    name = substr($0, RSTART + 1, RLENGTH - 1); sub(/ ?\($/, "", name)
    if (!(name in family) || (name in proto)) next
    ret = substr($0, 1, RSTART); sub(/^ +/, "", ret); sub(/^extern /, "", ret)
    if (ret ~ /typedef|\(/) next
    rest = substr($0, RSTART + RLENGTH); depth = 1
    for (i = 1; i <= length(rest) && depth > 0; i++) {
        c = substr(rest, i, 1)
        if (c == "(") depth++
        else if (c == ")") depth--
    }
    rettype[name] = ret; proto[name] = substr(rest, 1, i - 2)
}
END {
    bad = 0
    for (f = 1; f <= nf; f++) {
        fam = fams[f]; file = out "/unsup_" fam ".c"
        printf "/* unsup_%s.c: written by unsup_gen.sh from unsup.list; do not edit.\n", fam > file
        printf " *\n * The calls of family \"%s\" (see unsup.c): each fails with the\n", fam > file
        printf " * family'"'"'s error class and a message naming the call.\n */\n" > file
        printf "#include \"unsup.h\"\n\n#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n" > file
        n = split(order[fam], calls, " ")
        for (k = 1; k <= n; k++) {
            c = calls[k]
            if (!(c in proto)) { print "unsup_gen.sh: no prototype of " c " in MPICH'"'"'s headers" > "/dev/stderr"; bad = 1; continue }
            r = rettype[c]; sub(/ +$/, "", r); p = "P" c
            printf "\n#pragma weak %s = %s\n", c, p > file
            sp = (r ~ /\*$/) ? "" : " "
            printf "%s%s%s(%s)\n{\n", r, sp, p, proto[c] > file
            if (r == "int")
                printf "    return mpi_unsupported(UNSUP_%s, \"%s\");\n}\n", toupper(fam), c > file
            else
                printf "    mpi_unsupported(UNSUP_%s, \"%s\");\n    return (%s)0;\n}\n", toupper(fam), c, r > file
        }
        close(file)
    }
    exit bad
}
' "$list" RS=';' "$decls"
