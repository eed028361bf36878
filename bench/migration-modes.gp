# gnuplot script written by bench/run-migration-modes.sh
set terminal pngcairo size 1300,520
set output '/work/wt/ckbench/bench/migration-modes.png'
set multiplot layout 1,2
set logscale xy
set xlabel 'container bytes (MiB)'
set ylabel 'ms'
set key top left
set grid
set title 'downtime per move: measured (steady moves) and fitted'
plot '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'live' ? $2 / 1048576 : 1/0):3 with points pt 6 lc 1 title 'live measured', 0.315635 + 0.354309 * x with lines lc 1 title sprintf('live fit: %.3g ms + %.3g ms/MiB', 0.315635, 0.354309)
set title 'total per move (freeze + downtime + route update)'
plot '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'live' ? $2 / 1048576 : 1/0):4 with points pt 6 lc 1 title 'live measured', 0.570001 + 0.453977 * x with lines lc 1 title sprintf('live fit: %.3g ms + %.3g ms/MiB', 0.570001, 0.453977)
unset multiplot
