"""OpenCV drawing primitives of the pictures: boxes, captions, legends,
panels side by side, PNG encoding.

Images are uint8 BGR arrays, as mmcv and OpenCV use them. Every box is
drawn by :func:`draw_boxes` (one ``cv2.rectangle`` outline per box), so
counting outlines counts boxes.
"""
import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.4
LINE_HEIGHT = 16
BACKGROUND = (255, 255, 255)
INK = (30, 30, 30)
GROUND_TRUTH = (255, 255, 255)
POSITIVE = (60, 200, 60)
NEGATIVE = (60, 60, 230)

# One colour per FPN level, P2 first (BGR); further levels wrap around.
LEVEL_COLOURS = [(230, 130, 30), (40, 190, 60), (20, 140, 250),
                 (200, 60, 200), (200, 200, 20), (90, 90, 250)]
# Colours of classes, in turn (BGR).
CLASS_COLOURS = [(50, 180, 250), (250, 120, 60), (90, 220, 90),
                 (220, 90, 220), (60, 220, 220), (160, 120, 250),
                 (250, 200, 100), (120, 160, 60)]


def level_colour(level):
    return LEVEL_COLOURS[(level - 2) % len(LEVEL_COLOURS)]


def class_colour(label):
    return CLASS_COLOURS[label % len(CLASS_COLOURS)]


def draw_boxes(image, boxes, colours, thickness=1, scale=1.0, offset=(0, 0)):
    """Outline each box of ``boxes`` ([[x1, y1, x2, y2], ...]) in its
    colour (one colour for all, or one per box); returns how many it
    drew."""
    if colours and isinstance(colours[0], int):
        colours = [colours] * len(boxes)
    for box, colour in zip(boxes, colours):
        x1, y1, x2, y2 = (int(round(v * scale)) for v in box)
        cv2.rectangle(image, (x1 + offset[0], y1 + offset[1]),
                      (x2 + offset[0], y2 + offset[1]), colour, thickness,
                      cv2.LINE_AA)
    return len(boxes)


def text_size(text):
    (width, _), _ = cv2.getTextSize(text, FONT, FONT_SCALE, 1)
    return width


def put_label(image, text, x, y, colour):
    """Text on a filled patch of ``colour`` whose top left is (x, y),
    kept inside the image."""
    height, width = image.shape[:2]
    x = int(min(max(x, 0), max(width - text_size(text) - 4, 0)))
    y = int(min(max(y, 0), max(height - LINE_HEIGHT, 0)))
    cv2.rectangle(image, (x, y), (x + text_size(text) + 4,
                                  y + LINE_HEIGHT - 2), colour, -1)
    cv2.putText(image, text, (x + 2, y + LINE_HEIGHT - 5), FONT, FONT_SCALE,
                INK, 1, cv2.LINE_AA)


def caption(lines, width):
    """A white strip of ``width`` holding ``lines`` of text, each wrapped
    at spaces to fit."""
    rows = [row for line in lines for row in _wrapped(line, width - 8)]
    strip = np.full((LINE_HEIGHT * len(rows) + 6, width, 3), BACKGROUND,
                    np.uint8)
    for index, row in enumerate(rows):
        cv2.putText(strip, row, (4, LINE_HEIGHT * (index + 1)), FONT,
                    FONT_SCALE, INK, 1, cv2.LINE_AA)
    return strip


def _wrapped(line, width):
    rows, row = [], ''
    for word in line.split(' '):
        candidate = f'{row} {word}' if row else word
        if row and text_size(candidate) > width:
            rows.append(row)
            candidate = word
        row = candidate
    return rows + [row]


def legend(entries, width):
    """A strip with a filled swatch and a text for each (colour, text),
    wrapped to ``width``."""
    rows, row, used = [], [], 0
    for colour, text in entries:
        need = 18 + text_size(text) + 14
        if row and used + need > width:
            rows.append(row)
            row, used = [], 0
        row.append((colour, text, used))
        used += need
    if row:
        rows.append(row)
    strip = np.full((LINE_HEIGHT * len(rows) + 6, width, 3), BACKGROUND,
                    np.uint8)
    for index, row in enumerate(rows):
        top = index * LINE_HEIGHT + 4
        for colour, text, left in row:
            cv2.rectangle(strip, (left + 4, top), (left + 16, top + 10),
                          colour, -1)
            cv2.putText(strip, text, (left + 20, top + 10), FONT, FONT_SCALE,
                        INK, 1, cv2.LINE_AA)
    return strip


def stack(parts):
    """Arrays of one width, top to bottom."""
    width = max(part.shape[1] for part in parts)
    return np.concatenate([_pad(part, part.shape[0], width)
                           for part in parts])


def side_by_side(panels, gap=6):
    """Panels left to right, aligned at the top, on white."""
    height = max(panel.shape[0] for panel in panels)
    spaced = []
    for index, panel in enumerate(panels):
        if index:
            spaced.append(np.full((height, gap, 3), BACKGROUND, np.uint8))
        spaced.append(_pad(panel, height, panel.shape[1]))
    return np.concatenate(spaced, axis=1)


def _pad(part, height, width):
    out = np.full((height, width, 3), BACKGROUND, np.uint8)
    out[:part.shape[0], :part.shape[1]] = part
    return out


def fitted(image, max_side):
    """``image`` scaled down so that its longer side is at most
    ``max_side``, and the scale used."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale == 1.0:
        return image.copy(), 1.0
    size = (max(1, int(round(image.shape[1] * scale))),
            max(1, int(round(image.shape[0] * scale))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def encode_png(image):
    ok, data = cv2.imencode('.png', image,
                            [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValueError('OpenCV could not encode the picture as PNG')
    return data.tobytes()
