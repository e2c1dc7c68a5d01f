"""``python -m pcc_report.demo OUT_DIR``: write the demonstration data."""

from pcc_report.demo import main

main()
