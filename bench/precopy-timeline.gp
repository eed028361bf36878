# gnuplot script written by bench/run-precopy.sh
set terminal pngcairo size 1200,1120
set output '/work/wt/pcbench/bench/precopy-timeline.png'
set multiplot layout 3,1 title 'one move of a 1024 MiB rank writing 1% of its heap per 10 ms (the move with the median downtime; 2026-12-07T06:58Z, load 4.53 5.51 9.27)' font ',11'
set logscale y
set yrange [0.05:30000]
set xrange [0:14038.9]
set ylabel 'MiB sent'
set xlabel 'ms since the move was asked'
set grid
set key inside top center horizontal font ',9'
set style fill solid 0.5 border -1
set title 'stop, moving writer: the rank runs until its safe point (1.286 ms), then the pause: every page sent while it is frozen' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1.286, graph 0 to 12999.013, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1.286, graph 0 to 1.286, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 12999.019, graph 0 to 12999.019, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 12997.727, 1025.082) at 1.286, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 12999.019) at 12999.019, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/wt/pcbench/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: share of the time, by bytes)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 14038.9 / 400 ? $4 - $3 : 14038.9 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle
set title 'precopy, moving writer: 4 rounds while the rank runs (durations not in the report: the 5963.349 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 5963.349, graph 0 to 6423.518, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 5963.349, graph 0 to 5963.349, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 6423.526, graph 0 to 6423.526, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 460.169, 731.371) at 5963.349, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 6423.526) at 6423.526, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/wt/pcbench/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: share of the time, by bytes)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 14038.9 / 400 ? $4 - $3 : 14038.9 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle
set title 'precopy, hot writer: 2 rounds while the rank runs (durations not in the report: the 1452.126 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1452.126, graph 0 to 1488.450, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1452.126, graph 0 to 1452.126, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1488.454, graph 0 to 1488.454, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 36.324, 11.270) at 1452.126, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1488.454) at 1488.454, graph 0.68 offset 0.5,0 font ',9'
plot '/work/wt/pcbench/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: share of the time, by bytes)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 14038.9 / 400 ? $4 - $3 : 14038.9 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle
unset multiplot
