"""Codes used everywhere: the five Central Asian states, the default powers and the organisations."""

STATES: tuple[str, ...] = ("KAZ", "UZB", "TKM", "TJK", "KGZ")
STATE_NAMES = {
    "KAZ": "Kazakhstan",
    "UZB": "Uzbekistan",
    "TKM": "Turkmenistan",
    "TJK": "Tajikistan",
    "KGZ": "Kyrgyzstan",
}
DEFAULT_POWERS: tuple[str, ...] = ("RUS", "USA", "CHN")
POWER_NAMES = {"RUS": "Russia", "USA": "the United States", "CHN": "China"}
ORGS: tuple[str, ...] = ("CSTO", "SCO", "EURASEC", "GUUAM", "CACO")
ORG_NAMES = {
    "CSTO": "the Collective Security Treaty (CST, from 2002 the CSTO)",
    "SCO": "the Shanghai Cooperation Organisation",
    "EURASEC": "the Eurasian Economic Community",
    "GUUAM": "GUUAM",
    "CACO": "the Central Asian Cooperation Organisation",
}
STANCES: tuple[str, ...] = ("integrate", "cooperate", "counterbalance")
DECISIONS: tuple[str, ...] = ("base_opened", "base_closed", "joined", "left", "deal_signed", "deal_ended",
                              "base_requested", "deal_offered")
