"""The Frictionless data package (data/*.csv + datapackage.json)."""
