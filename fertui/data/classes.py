"""Class names and orders of the supported data sets, and the folder names that map to them."""

from __future__ import annotations

# RAF-DB basic: label k in list_patition_label.txt is RAF_CLASSES[k - 1].
RAF_CLASSES = ["Surprise", "Fear", "Disgust", "Happiness", "Sadness", "Anger", "Neutral"]

# FERPlus label.csv: the ten vote columns after (image, box), in file order.
FERPLUS_VOTES = ["Neutral", "Happiness", "Surprise", "Sadness", "Anger", "Disgust", "Fear", "Contempt", "Unknown", "NF"]
FERPLUS_CLASSES = FERPLUS_VOTES[:8]  # unknown / not-a-face majorities are dropped

# AffectNet: folder k holds AFFECTNET_CLASSES[k]; the 7-class protocol drops Contempt (7).
AFFECTNET_CLASSES = ["Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]

# Spellings seen in public folder releases, mapped to the canonical name (lower-case keys).
ALIASES = {
    "surprised": "Surprise",
    "surprise": "Surprise",
    "fear": "Fear",
    "fearful": "Fear",
    "scared": "Fear",
    "disgust": "Disgust",
    "disgusted": "Disgust",
    "happiness": "Happiness",
    "happy": "Happiness",
    "sadness": "Sadness",
    "sad": "Sadness",
    "anger": "Anger",
    "angry": "Anger",
    "neutral": "Neutral",
    "contempt": "Contempt",
}


def canonical(name: str) -> str:
    """The canonical emotion for a folder name (``happy`` -> ``Happiness``), or NAME unchanged."""
    return ALIASES.get(name.strip().lower(), name)


def same_emotion(a: str, b: str) -> bool:
    return canonical(a).lower() == canonical(b).lower()
