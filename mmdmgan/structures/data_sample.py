"""A light ``DataSample`` that follows MMagic's field names without importing MMagic."""
from mmengine.structures import BaseDataElement


class DataSample(BaseDataElement):
    """One captioned image travelling through data pipeline, model and metrics.

    It keeps MMagic's field names, so MMagic's metrics and hooks read it as their own:

    - ``gt_img``: the real image, 3×H×W (uint8 from the pipeline, [-1, 1] after the
      data preprocessor).
    - ``prompt``: the caption text (the only text field MMagic's ``DataSample`` accepts).
    - ``fake_img``: the generated 256 image, 3×256×256 in [-1, 1] (model outputs).

    Token ids (``caption_ids``), lengths (``caption_len``), class ids and any generator
    extras (``fake_img_64``, ``attention_maps``...) travel as ordinary fields beside them.
    """
