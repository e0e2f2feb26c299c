"""Exports: the household coverage list (CSV, XLSX, GeoJSON) and visits (CSV, XLSX), streamed."""
