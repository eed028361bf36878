# gnuplot script written by bench/run-precopy.sh
set terminal pngcairo size 1200,1840
set output '/tmp/bt/bench/precopy-timeline.png'
set multiplot layout 5,1 title 'one move of a 1024 MiB rank writing 1% of its heap per 10 ms (the move with the median downtime; 2026-12-07T13:00Z, load 3.33 8.36 8.43)' font ',11'
set logscale y
set yrange [0.05:30000]
set xrange [0:1947.16]
set ylabel 'MiB sent'
set xlabel 'ms since the move was asked'
set grid
set key inside top center horizontal font ',9'
set style fill solid 0.5 border -1
set title 'stop, moving writer: the rank runs until its safe point (0.557 ms), then the pause: every page sent while it is frozen' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 0.557, graph 0 to 1024.992, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 0.557, graph 0 to 0.557, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1025.014, graph 0 to 1025.014, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 1024.435, 1025.074) at 0.557, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1025.014) at 1025.014, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1947.16 / 400 ? $4 - $3 : 1947.16 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'precopy, moving writer: 2 rounds while the rank runs (their own times from the report; older runs: the 1380.688 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1380.688, graph 0 to 1388.391, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1380.688, graph 0 to 1380.688, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1388.551, graph 0 to 1388.551, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 7.703, 0.016) at 1380.688, graph 0.78 right offset -0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1388.551) at 1388.551, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1947.16 / 400 ? $4 - $3 : 1947.16 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'postcopy, moving writer: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1.018, graph 0 to 10.659, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1.018, graph 0 to 1.018, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1146.668, graph 0 to 1146.668, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 9.641, 0.043) at 1.018, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('last page here: %.0f ms', 1146.668) at 1146.668, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1947.16 / 400 ? $4 - $3 : 1947.16 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'precopy, hot writer: 3 rounds while the rank runs (their own times from the report; older runs: the 1318.120 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1318.120, graph 0 to 1322.391, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1318.120, graph 0 to 1318.120, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1322.409, graph 0 to 1322.409, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 4.271, 0.016) at 1318.120, graph 0.78 right offset -0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1322.409) at 1322.409, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1947.16 / 400 ? $4 - $3 : 1947.16 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'postcopy, hot writer: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 0.948, graph 0 to 10.113, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 0.948, graph 0 to 0.948, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1802.922, graph 0 to 1802.922, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 9.165, 0.043) at 0.948, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('last page here: %.0f ms', 1802.922) at 1802.922, graph 0.68 right offset -0.5,0 font ',9'
plot '/tmp/bt/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 1947.16 / 400 ? $4 - $3 : 1947.16 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
unset multiplot
