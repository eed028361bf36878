# gnuplot script written by bench/run-precopy.sh
set terminal pngcairo size 1200,1840
set output '/tmp/bt/bench/precopy-timeline.png'
set multiplot layout 5,1 title 'one move of a 1024 MiB rank writing 1% of its heap per 10 ms (the move with the median downtime; 2026-12-07T18:52Z, load 1.88 1.23 1.93)' font ',11'
set logscale y
set yrange [0.05:30000]
set xrange [0:1325.39]
set ylabel 'MiB sent'
set xlabel 'ms since the move was asked'
set grid
set key inside top center horizontal font ',9'
set style fill solid 0.5 border -1
set title 'stop, moving writer: the rank runs until its safe point (1.285 ms), then the pause: every page sent while it is frozen' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1.285, graph 0 to 765.898, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1.285, graph 0 to 1.285, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 766.044, graph 0 to 766.044, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 764.613, 1025.074) at 1.285, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 766.044) at 766.044, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1325.39 / 400 ? $4 - $3 : 1325.39 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'precopy, moving writer: 2 rounds while the rank runs (their own times from the report; older runs: the 1152.140 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1152.140, graph 0 to 1156.286, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1152.140, graph 0 to 1152.140, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1156.403, graph 0 to 1156.403, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 4.146, 0.020) at 1152.140, graph 0.78 right offset -0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1156.403) at 1156.403, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1325.39 / 400 ? $4 - $3 : 1325.39 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'postcopy, moving writer: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 0.817, graph 0 to 6.606, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 0.817, graph 0 to 0.817, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 950.817, graph 0 to 950.817, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 5.789, 0.043) at 0.817, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('last page here: %.0f ms', 950.817) at 950.817, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1325.39 / 400 ? $4 - $3 : 1325.39 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'precopy, hot writer: 4 rounds while the rank runs (their own times from the report; older runs: the 1221.439 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1221.439, graph 0 to 1225.213, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1221.439, graph 0 to 1221.439, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1227.217, graph 0 to 1227.217, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 3.774, 0.016) at 1221.439, graph 0.78 right offset -0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1227.217) at 1227.217, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1325.39 / 400 ? $4 - $3 : 1325.39 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'postcopy, hot writer: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 0.849, graph 0 to 7.347, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 0.849, graph 0 to 0.849, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1176.358, graph 0 to 1176.358, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 6.498, 0.043) at 0.849, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('last page here: %.0f ms', 1176.358) at 1176.358, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1325.39 / 400 ? $4 - $3 : 1325.39 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
unset multiplot
