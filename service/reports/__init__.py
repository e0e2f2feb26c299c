"""The periodic report, shaped like the district's: JSON, a printable page (vi/en) and XLSX."""
