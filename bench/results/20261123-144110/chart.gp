
set terminal pngcairo size 1500,560 font "sans,10" noenhanced
set output '/work/main/bench/results/20261123-144110/chart.png'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "Mpps (median)"
set yrange [0:*]
set grid ytics
set key top right title "mappings"
set xtics rotate by -25 scale 0
set multiplot layout 1,3 title "container_map vs stock OVS recipes, one PMD core, 60-byte frames"
set title "few flows (1,024 5-tuples)"
plot for [i=2:4] '/work/main/bench/results/20261123-144110/chart.dat' index 0 using i:xtic(1) title columnheader(i)
set title "many flows (262,144 5-tuples over up to 61,440 ports)"
plot for [i=2:4] '/work/main/bench/results/20261123-144110/chart.dat' index 1 using i:xtic(1) title columnheader(i)
set title "egress, 64k mappings"
set key title ""
plot for [i=2:3] '/work/main/bench/results/20261123-144110/chart.dat' index 2 using i:xtic(1) title columnheader(i)
unset multiplot
