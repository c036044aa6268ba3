"""Places with a member of the House but no senators, and the ZIP codes the ZIP file lacks."""

#: Washington, D.C. and the territories: one member of the House each, who cannot vote on final
#: passage, and no senators.
NO_SENATORS = frozenset({"DC", "PR", "GU", "VI", "AS", "MP"})

#: Puerto Rico's member is the Resident Commissioner; the others are Delegates.
RESIDENT_COMMISSIONER_PLACES = frozenset({"PR"})

#: Territories whose ZIP codes have no ZIP Code Tabulation Area (so are not in zccd.csv), with the
#: ZIP codes the Postal Service gives them.
TERRITORY_ZIPS = {
    "VI": [f"{number:05d}" for number in range(801, 852)],
    "GU": [str(number) for number in range(96910, 96933)],
    "AS": ["96799"],
    "MP": ["96950", "96951", "96952"],
}
