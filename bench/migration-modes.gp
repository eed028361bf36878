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
plot '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'checkpoint-tmpfs' ? $2 / 1048576 : 1/0):3 with points pt 6 lc 1 title 'checkpoint-tmpfs measured', 3.30745 + 3.00645 * x with lines lc 1 title sprintf('checkpoint-tmpfs fit: %.3g ms + %.3g ms/MiB', 3.30745, 3.00645)
set title 'total per move (freeze + downtime + route update)'
plot '/work/wt/ckbench/bench/migration-modes.dat' using (strcol(1) eq 'checkpoint-tmpfs' ? $2 / 1048576 : 1/0):4 with points pt 6 lc 1 title 'checkpoint-tmpfs measured', 4.13382 + 2.99592 * x with lines lc 1 title sprintf('checkpoint-tmpfs fit: %.3g ms + %.3g ms/MiB', 4.13382, 2.99592)
unset multiplot
