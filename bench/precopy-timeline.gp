# gnuplot script written by bench/run-precopy.sh
set terminal pngcairo size 1200,1840
set output '/work/main/bench/precopy-timeline.png'
set multiplot layout 5,1 title 'one move of a 1024 MiB rank writing 1% of its heap per 10 ms (the move with the median downtime; 2026-12-07T09:59Z, load 12.37 12.32 12.76)' font ',11'
set logscale y
set yrange [0.05:30000]
set xrange [0:5159.13]
set ylabel 'MiB sent'
set xlabel 'ms since the move was asked'
set grid
set key inside top center horizontal font ',9'
set style fill solid 0.5 border -1
set title 'stop, moving writer: the rank runs until its safe point (3.023 ms), then the pause: every page sent while it is frozen' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 3.023, graph 0 to 581.846, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 3.023, graph 0 to 3.023, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 581.852, graph 0 to 581.852, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 578.823, 1025.082) at 3.023, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 581.852) at 581.852, graph 0.68 offset 0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 5159.13 / 400 ? $4 - $3 : 5159.13 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.stop' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'precopy, moving writer: 2 rounds while the rank runs (their own times from the report; older runs: the 1776.358 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1776.358, graph 0 to 1781.163, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1776.358, graph 0 to 1776.358, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 1781.167, graph 0 to 1781.167, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 4.805, 0.027) at 1776.358, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 1781.167) at 1781.167, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 5159.13 / 400 ? $4 - $3 : 5159.13 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.precopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'postcopy, moving writer: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1.289, graph 0 to 12.811, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1.289, graph 0 to 1.289, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 2739.013, graph 0 to 2739.013, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 11.522, 0.043) at 1.289, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('last page here: %.0f ms', 2739.013) at 2739.013, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 5159.13 / 400 ? $4 - $3 : 5159.13 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'quiet.postcopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'precopy, hot writer: 3 rounds while the rank runs (their own times from the report; older runs: the 2090.269 ms to the freeze split by bytes), then the pause' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 2090.269, graph 0 to 2094.919, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 2090.269, graph 0 to 2090.269, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 2094.924, graph 0 to 2094.924, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 4.650, 0.023) at 2090.269, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('announced: %.0f ms', 2094.924) at 2094.924, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 5159.13 / 400 ? $4 - $3 : 5159.13 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'hot.precopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
set title 'postcopy, hot writer: the pause (first pages only), then the heap pulled on demand and pushed in the background until the last page is there' font ',10'
unset object; unset label; unset arrow
set object 1 rect from 1.034, graph 0 to 17.571, graph 1 fc rgb '#d62728' fs transparent solid 0.25 noborder behind
set arrow 1 from 1.034, graph 0 to 1.034, graph 1 nohead lc rgb '#d62728' lw 2
set arrow 2 from 4776.974, graph 0 to 4776.974, graph 1 nohead lc rgb 'black' dt 2
set label 1 sprintf('pause %.1f ms, %.2f MiB', 16.537, 0.043) at 1.034, graph 0.78 offset 0.5,0 tc rgb '#d62728' font ',10'
set label 2 sprintf('last page here: %.0f ms', 4776.974) at 4776.974, graph 0.68 right offset -0.5,0 font ',9'
plot '/work/main/bench/precopy-timeline.dat' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#1f77b4' title 'round sent while running (width: its time)', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'pause' ? ($3 + $4) / 2 : 1/0):5:($4 - $3 > 5159.13 / 400 ? $4 - $3 : 5159.13 / 400) with boxes lc rgb '#d62728' title 'final round, rank frozen (the pause)', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'round' ? ($3 + $4) / 2 : 1/0):5:(sprintf('r%d', $6)) with labels offset 0,0.7 font ',8' notitle, \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'push' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#2ca02c' title 'post-copy: pushed in the background after the resume', \
     '' using (strcol(1) eq 'hot.postcopy' && strcol(2) eq 'pull' ? ($3 + $4) / 2 : 1/0):5:($4 - $3) with boxes lc rgb '#ff7f0e' fs transparent solid 0.6 title 'post-copy: pulled on demand (the rank waited on these)'
unset multiplot
