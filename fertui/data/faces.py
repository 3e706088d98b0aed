"""Procedural expression faces: one small drawing per image, deterministic by seed.

A face is described in face-local units (half the face height = 1, x right, y down) and
mapped to pixels by one similarity transform (scale, rotation, shift), so every part turns
with the head. Classes differ only in geometry (brows, eyes, mouth); everything that sets
colour or brightness (skin, hair, background, noise, occluders) is drawn from the same
ranges for every class, so no pixel statistic gives the label away.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

# RAF-DB order. Ranges per class: brow raise, brow tilt (+ = inner end lower: frown),
# eye openness, mouth (kind, half-width, height or curvature). Fear and Surprise overlap on
# purpose (raised brows, wide eyes, open mouth); Sadness shares Fear's slanted brows.
EXPRESSIONS: dict[str, dict] = {
    "Surprise": dict(
        raise_=(0.14, 0.24),
        tilt=(-0.03, 0.03),
        eye=(0.80, 1.00),
        mouth="open",
        width=(0.12, 0.19),
        height=(0.20, 0.30),
        curve=(-0.01, 0.01),
    ),
    "Fear": dict(
        raise_=(0.08, 0.18),
        tilt=(-0.17, -0.08),
        eye=(0.75, 1.00),
        mouth="open",
        width=(0.24, 0.34),
        height=(0.08, 0.15),
        curve=(-0.06, 0.0),
    ),
    "Disgust": dict(
        raise_=(-0.10, -0.03),
        tilt=(0.03, 0.08),
        eye=(0.20, 0.40),
        mouth="sneer",
        width=(0.20, 0.28),
        height=(0.10, 0.16),
        curve=(-0.02, 0.02),
    ),
    "Happiness": dict(
        raise_=(0.0, 0.05),
        tilt=(-0.02, 0.02),
        eye=(0.40, 0.60),
        mouth="smile",
        width=(0.26, 0.36),
        height=(0.0, 0.14),
        curve=(0.12, 0.20),
    ),
    "Sadness": dict(
        raise_=(-0.02, 0.05),
        tilt=(-0.17, -0.08),
        eye=(0.35, 0.55),
        mouth="line",
        width=(0.18, 0.27),
        height=(0.0, 0.0),
        curve=(-0.18, -0.09),
    ),
    "Anger": dict(
        raise_=(-0.15, -0.07),
        tilt=(0.09, 0.17),
        eye=(0.30, 0.50),
        mouth="line",
        width=(0.15, 0.23),
        height=(0.0, 0.0),
        curve=(-0.05, 0.0),
    ),
    "Neutral": dict(
        raise_=(-0.02, 0.03),
        tilt=(-0.02, 0.02),
        eye=(0.55, 0.75),
        mouth="line",
        width=(0.19, 0.28),
        height=(0.0, 0.0),
        curve=(-0.02, 0.02),
    ),
}
CLASSES = list(EXPRESSIONS)

SKIN_TONES = np.array(
    [(255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 134, 90), (160, 102, 64), (110, 70, 45), (236, 205, 180)],
    dtype=float,
)


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 28) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _colour(rng: np.random.Generator, low: float = 0, high: float = 255) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.uniform(low, high, 3))


def _background(rng: np.random.Generator, size: int) -> Image.Image:
    """A linear gradient between two random colours at a random angle (drawn small, scaled up)."""
    a, b = rng.uniform(0, 255, 3).astype(np.float32), rng.uniform(0, 255, 3).astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    axis = np.linspace(-1, 1, 16, dtype=np.float32)
    t = (math.cos(angle) * axis[None, :] + math.sin(angle) * axis[:, None]) * 0.5 + 0.5
    img = a + t[..., None] * (b - a)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").resize((size, size), Image.BILINEAR)


def _mouth(rng: np.random.Generator, spec: dict, p: dict) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(filled polygons, open polylines) of the mouth, in face units."""
    w, curve, y0 = p["width"], p["curve"], 0.5
    xs = np.linspace(-w, w, 15)
    u = xs / w
    line = np.stack([xs, y0 - curve * u**2], axis=1)  # curve > 0 lifts the corners
    kind = spec["mouth"]
    if kind == "line":
        return [], [line]
    if kind == "sneer":  # one corner pulled up, upper lip raised on that side
        side = rng.choice([-1.0, 1.0])
        lift = p["height"] * np.clip(side * u, 0, None) ** 1.5
        return [], [np.stack([xs, y0 - curve * u**2 - lift], axis=1)]
    if kind == "smile" and p["height"] < 0.05:
        return [], [line]
    # An open mouth: upper lip follows the curve, lower lip drops by `height` in the middle.
    upper = line
    lower = np.stack([xs, y0 - curve * u**2 + p["height"] * (1 - u**2) ** 0.8], axis=1)
    return [np.concatenate([upper, lower[::-1]])], []


def draw_face(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    """One HxWx3 uint8 image of expression CLASSES[label]."""
    spec = EXPRESSIONS[CLASSES[label]]
    p = {k: rng.uniform(*spec[k]) for k in ("raise_", "tilt", "eye", "width", "height", "curve")}
    supersample = 2 if size < 80 else 1  # small images: draw at 2x, box-filter down (thin strokes survive)
    big = size * supersample
    img = _background(rng, big)
    draw = ImageDraw.Draw(img)

    # Head pose and framing, close to aligned FER crops: half face height 34-44 % of the image,
    # shifted by up to 4 % and turned by up to 10 degrees.
    scale = big * rng.uniform(0.34, 0.44)
    angle = math.radians(rng.uniform(-10, 10))
    centre = np.array([big / 2, big / 2]) + rng.uniform(-0.04, 0.04, 2) * big
    aspect = rng.uniform(0.72, 0.88)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])

    def px(points: np.ndarray) -> list[tuple[float, float]]:
        return [tuple(q) for q in (points * scale) @ rot.T + centre]

    def stroke(width: float) -> int:
        return max(1, round(width * scale))

    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.85, 1.1)
    skin_rgb = tuple(int(v) for v in np.clip(skin, 0, 255))
    dark = _colour(rng, 10, 80)  # hair, brows, pupils share one dark colour per face
    if rng.random() < 0.7:  # hair behind the head
        draw.polygon(px(_ellipse(0, -0.18, aspect * 1.12, 0.95)), fill=dark)
    draw.polygon(px(_ellipse(0, 0, aspect, 1.0, 40)), fill=skin_rgb)

    # Eyes: whites, then a pupil clipped to the opening so narrow eyes show less of it.
    for sx in (-1, 1):
        ex, ey, rx = sx * 0.33, -0.18, 0.17
        ry = rx * p["eye"] * rng.uniform(0.92, 1.08)
        draw.polygon(px(_ellipse(ex, ey, rx, ry)), fill=(235, 235, 230))
        draw.polygon(px(_ellipse(ex + rng.uniform(-0.03, 0.03), ey, 0.065, min(0.065, ry))), fill=dark)

    # Brows: outer end at a common height, inner end offset by the tilt.
    base = -0.45 - p["raise_"]
    for sx in (-1, 1):
        inner = (sx * 0.11, base + p["tilt"] + rng.uniform(-0.015, 0.015))
        outer = (sx * 0.52, base + rng.uniform(-0.015, 0.015))
        draw.line(px(np.array([inner, outer])), fill=dark, width=stroke(0.09))

    draw.line(px(np.array([(0.0, 0.02), (0.04, 0.24), (-0.04, 0.26)])), fill=_shade(skin_rgb, 0.7), width=stroke(0.035))
    lips = _shade(skin_rgb, rng.uniform(0.45, 0.65), red=True)
    fills, lines = _mouth(rng, spec, p)
    for poly in fills:
        draw.polygon(px(poly), fill=(60, 20, 25), outline=lips, width=stroke(0.045))
    for line in lines:
        draw.line(px(line), fill=lips, width=stroke(0.075), joint="curve")

    if rng.random() < 0.25:  # an occluder (hand, mask, sticker) somewhere on the image
        w, h = rng.uniform(0.12, 0.30, 2) * big
        x, y = rng.uniform(0, big - w), rng.uniform(0, big - h)
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape((x, y, x + w, y + h), fill=_colour(rng))

    small = np.asarray(img.reduce(supersample), dtype=np.float32)
    small += rng.standard_normal(small.shape, dtype=np.float32) * np.float32(rng.uniform(0, 12))
    return np.clip(small, 0, 255).astype(np.uint8)


def _shade(rgb: tuple[int, int, int], factor: float, red: bool = False) -> tuple[int, int, int]:
    r, g, b = (v * factor for v in rgb)
    if red:
        r = min(255.0, r * 1.35)
    return int(r), int(g), int(b)


def draw_set(seed: int, split_id: int, count: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """COUNT images (balanced labels, label = index % 7); image i depends only on (seed, split, i)."""
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    labels = np.arange(count, dtype=np.int64) % len(CLASSES)
    for i in range(count):
        images[i] = draw_face(np.random.default_rng([seed, split_id, i]), int(labels[i]), size)
    return images, labels
