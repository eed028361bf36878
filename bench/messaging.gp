# gnuplot script written by bench/run-messaging.sh
set terminal pngcairo size 1400,620
set output '/tmp/bt/bench/messaging.png'
set datafile missing '-'
set multiplot layout 1,2 title 'nanvix-mpi against MPICH, point-to-point on 2 ranks (vm, load 1.55 5.93 5.21 / 6.24 5.78 5.28)'
set xlabel 'message size (bytes)'
set logscale x 2
set samples 1000
set format x '2^{%L}'
set grid
set y2label 'ratio ours / MPICH'
set y2tics
set ytics nomirror
set y2range [0:*]
set title 'latency'
set ylabel 'latency (us)'
set logscale y 10
set key outside below horizontal
plot '/tmp/bt/bench/messaging.dat' using 1:2 with linespoints pt 7 ps 0.6 title 'MPICH', \
     '' using 1:3 with linespoints pt 5 ps 0.6 title 'nanvix-mpi', \
     '' using 1:4 axes x1y2 with lines dashtype 2 lw 1.5 title 'ratio (right axis)', \
     (x <= 65536 ? 1.2 : 1/0) axes x1y2 with lines dashtype 3 lw 2 lc rgb 'gray40' title 'bar: ratio <= 1.2 to 64 KiB'
set title 'bandwidth'
set ylabel 'bandwidth (MB/s)'
unset logscale y
set yrange [0:*]
set key outside below horizontal
plot '/tmp/bt/bench/messaging.dat' using 1:5 with linespoints pt 7 ps 0.6 title 'MPICH', \
     '' using 1:6 with linespoints pt 5 ps 0.6 title 'nanvix-mpi', \
     '' using 1:7 axes x1y2 with lines dashtype 2 lw 1.5 title 'ratio (right axis)', \
     (x >= 65536 ? 1 : 1/0) axes x1y2 with lines dashtype 3 lw 2 lc rgb 'gray40' title 'bar: ratio >= 1 from 64 KiB'
unset multiplot
