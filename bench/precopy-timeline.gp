# gnuplot script written by bench/run-precopy.sh
set terminal pngcairo size 1200,1120
set output '/work/main/bench/precopy-timeline.png'
set multiplot layout 3,1 title 'one move of a 1024 MiB rank writing 1% of its heap per 10 ms (the move with the median downtime; 2026-12-07T07:59Z, load 0.65 5.59 7.16)' font ',11'
set logscale y
set yrange [0.05:30000]
set xrange [0:1771.97]
set ylabel 'MiB sent'
set xlabel 'ms since the move was asked'
set grid
set key inside top center horizontal font ',9'
set style fill solid 0.5 border -1
set title 'stop, moving writer: the rank runs until its safe point (0.206 ms), then the pause: every page sent while it is frozen' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 0.206, graph 0 to 1640.709, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 0.206, graph 0 to 0.206, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1640.713, graph 0 to 1640.713, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 1640.503, 1025.082) at 0.206, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1640.713) at 1640.713, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1771.97 / 400 ? $4 - $3 : 1771.97 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle
set title 'precopy, moving writer: 2 rounds while the rank runs (their own times from the report; older runs: the 951.370 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 951.370, graph 0 to 956.225, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 951.370, graph 0 to 951.370, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 956.231, graph 0 to 956.231, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 4.855, 0.023) at 951.370, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 956.231) at 956.231, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1771.97 / 400 ? $4 - $3 : 1771.97 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle
set title 'precopy, hot writer: 3 rounds while the rank runs (their own times from the report; older runs: the 804.051 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 804.051, graph 0 to 807.982, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 804.051, graph 0 to 804.051, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 807.985, graph 0 to 807.985, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 3.931, 0.023) at 804.051, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 807.985) at 807.985, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1771.97 / 400 ? $4 - $3 : 1771.97 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle
unset multiplot
