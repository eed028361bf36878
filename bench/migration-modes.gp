# gnuplot script written by bench/run-migration-modes.sh
set terminal pngcairo size 1300,520
set output '/work/wt/ckbench/bench/migration-modes.png'
set multiplot layout 1,2
set logscale xy
set xlabel 'container bytes (MiB)'
set ylabel 'ms'
set key top left
set grid
set title 'downtime per move: measured (the moves fitted) and fitted lines'
plot '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'live' ? $2 / 1048576 : 1/0):3 with points pt 6 lc 1 title 'live measured', -1.35112 + 0.76479 * x with lines lc 1 title sprintf('live fit: %.3g ms + %.3g ms/MiB', -1.35112, 0.76479), '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'live-warm' ? $2 / 1048576 : 1/0):3 with points pt 7 lc 2 title 'live-warm measured', 4.57644 + 0.406945 * x with lines lc 2 title sprintf('live-warm fit: %.3g ms + %.3g ms/MiB', 4.57644, 0.406945)
set title 'total per move (freeze + downtime + route update)'
plot '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'live' ? $2 / 1048576 : 1/0):4 with points pt 6 lc 1 title 'live measured', -0.124542 + 0.75882 * x with lines lc 1 title sprintf('live fit: %.3g ms + %.3g ms/MiB', -0.124542, 0.75882), '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'live-warm' ? $2 / 1048576 : 1/0):4 with points pt 7 lc 2 title 'live-warm measured', 5.23508 + 0.406013 * x with lines lc 2 title sprintf('live-warm fit: %.3g ms + %.3g ms/MiB', 5.23508, 0.406013)
unset multiplot
