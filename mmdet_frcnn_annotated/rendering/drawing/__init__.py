"""Pictures of a traced step: what the anchors, samples, proposals and
detections of the run look like on its own images.

Drawing reads records and images only; it knows nothing of the recorder
or the tracer.
"""
from .canvas import encode_png
from .pictures import KINDS, Picture, draw_picture, draw_pictures

# At most this many bytes of PNG per traced iteration.
MAX_BYTES = 1_500_000


def encoded_pictures(records, images, max_bytes=MAX_BYTES, max_side=512):
    """The pictures of a step as PNG bytes, together within ``max_bytes``.

    Drawn with each image's longer side at ``max_side`` pixels first; when
    the PNGs are too large together, drawn again smaller.

    Returns:
        list[tuple[Picture, bytes]]
    """
    if images:  # shrinking starts from the size actually drawn
        max_side = min(max_side, max(max(i.shape[:2]) for i in images))
    while True:
        pictures = draw_pictures(records, images, max_side)
        encoded = [(picture, encode_png(picture.image))
                   for picture in pictures]
        size = sum(len(data) for _, data in encoded)
        if size <= max_bytes or max_side <= 64:
            return encoded
        max_side = int(max_side * min(0.9, 0.95 * (max_bytes / size)**0.5))


__all__ = ['KINDS', 'MAX_BYTES', 'Picture', 'draw_picture', 'draw_pictures',
           'encoded_pictures']
