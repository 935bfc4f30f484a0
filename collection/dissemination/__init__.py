"""Dissemination: the published values in the shapes the world reads them (SDMX, bulk files, the explorer)."""
