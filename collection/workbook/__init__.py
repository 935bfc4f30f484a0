"""The standard ILMS workbook: one cross-tabulated sheet per table, built for a country and round, read back."""
