"""DAMSM text encoder: word embedding + one-layer bidirectional LSTM (AttnGAN, Sec. 3.3)."""
from typing import List, Mapping, Optional, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from mmdmgan.datasets.vocabulary import Vocabulary
from mmdmgan.registry import MODELS


def check_captions(caption_ids: Tensor, caption_len: Tensor) -> None:
    """Raise a clear error when token ids and lengths do not describe a padded batch.

    Args:
        caption_ids (Tensor): B×T token ids, 0 is padding.
        caption_len (Tensor): B lengths, each in [1, T].
    """
    if caption_ids.dim() != 2:
        raise ValueError(f'caption_ids must be B×T, got shape {tuple(caption_ids.shape)}')
    if caption_len.shape != caption_ids.shape[:1]:
        raise ValueError(f'caption_len must have shape ({caption_ids.size(0)},) to match '
                         f'caption_ids, got {tuple(caption_len.shape)}')
    if caption_len.numel() and (int(caption_len.min()) < 1
                                or int(caption_len.max()) > caption_ids.size(1)):
        raise ValueError(f'caption_len values must lie in [1, {caption_ids.size(1)}] '
                         f'(the padded length), got {caption_len.tolist()}')


def padding_mask(caption_len: Tensor, max_len: int) -> Tensor:
    """B×max_len bool mask that is True at padding positions (beyond each caption's length)."""
    positions = torch.arange(max_len, device=caption_len.device)
    return positions.unsqueeze(0) >= caption_len.to(positions.device).unsqueeze(1)


@MODELS.register_module()
class DAMSMTextEncoder(BaseModule):
    """Bidirectional LSTM text encoder of DAMSM.

    Word features ``e`` (D×T) are the concatenated forward/backward hidden states of every
    word; the sentence feature ``ē`` is the concatenation of the two final hidden states
    (AttnGAN, Sec. 3.3). Captions need not be sorted by length.

    Args:
        vocab_size (int): Number of tokens, including 0 = padding.
        embedding_dim (int): Word-embedding size. Defaults to 300.
        hidden_dim (int): Feature size D of both directions together (each direction has
            ``hidden_dim // 2`` units). Defaults to 256.
        dropout (float): Dropout on the word embeddings. Defaults to 0.5.
        init_cfg (dict, optional): MMEngine initialisation config. Without it the embedding
            is drawn from U(-0.1, 0.1) and the LSTM keeps PyTorch's default init, as in
            the reference.
    """

    def __init__(self,
                 vocab_size: int,
                 embedding_dim: int = 300,
                 hidden_dim: int = 256,
                 dropout: float = 0.5,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if hidden_dim % 2:
            raise ValueError(f'hidden_dim must be even (two LSTM directions), got {hidden_dim}')
        self.vocab_size = vocab_size
        self.hidden_dim = hidden_dim
        self.word_embedding = nn.Embedding(vocab_size, embedding_dim)
        self.embedding_dropout = nn.Dropout(dropout)
        # One layer: the LSTM's own inter-layer dropout would have no effect, so it is omitted.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2, num_layers=1, batch_first=True,
                            bidirectional=True)
        nn.init.uniform_(self.word_embedding.weight, -0.1, 0.1)

    def forward(self, caption_ids: Tensor, caption_len: Tensor) -> Tuple[Tensor, Tensor]:
        """Encode a padded batch of captions.

        Args:
            caption_ids (Tensor): B×T LongTensor of token ids, 0 at padding.
            caption_len (Tensor): B LongTensor of caption lengths (any order).

        Returns:
            tuple[Tensor, Tensor]: word features B×D×T (zeros at padding) and sentence
            features B×D, with D = ``hidden_dim``.
        """
        # pack_padded_sequence needs the lengths on the CPU: this copy is the encoder's one
        # host synchronisation, and the checks read the copy so that they add none.
        lengths = caption_len.cpu()
        check_captions(caption_ids, lengths)
        max_len = caption_ids.size(1)
        embedded = self.embedding_dropout(self.word_embedding(caption_ids))
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        output, (hidden, _) = self.lstm(packed)
        # total_length keeps T fixed so that the word mask built from caption_ids lines up.
        words, _ = pad_packed_sequence(output, batch_first=True, total_length=max_len)
        # hidden: 2×B×(D/2) (forward last state, backward last state), in the input order.
        sentence = hidden.transpose(0, 1).reshape(caption_ids.size(0), self.hidden_dim)
        return words.transpose(1, 2).contiguous(), sentence


def extend_word_embedding(encoder: DAMSMTextEncoder, old_vocabulary: Vocabulary,
                          new_vocabulary: Vocabulary,
                          synonyms: Optional[Mapping[str, str]] = None) -> List[str]:
    """Grow a trained text encoder's word embedding to a vocabulary with appended words.

    The rows of the old words stay as they are (so the encoder reads old captions exactly as
    before); the row of each appended word starts as the row of its synonym in
    ``old_vocabulary`` where ``synonyms`` names one ("big" from "large"), else as the mean
    row of the old words, a neutral start for fine-tuning.

    Args:
        encoder (DAMSMTextEncoder): Trained on ``old_vocabulary``; changed in place.
        old_vocabulary (Vocabulary): Its vocabulary (one row per word).
        new_vocabulary (Vocabulary): ``old_vocabulary`` with words appended: the first
            ``len(old_vocabulary)`` ids must name the same words.
        synonyms (Mapping[str, str], optional): New word → old word to copy the row of
            (e.g. :data:`mmdmgan.datasets.shapes.SYNONYMS`).

    Returns:
        list[str]: The appended words that had no synonym (they start at the mean row).

    Raises:
        ValueError: When the encoder's embedding does not have one row per old word, or the
            new vocabulary changes an old word's id.
    """
    weight = encoder.word_embedding.weight
    old_size = len(old_vocabulary)
    if weight.size(0) != old_size:
        raise ValueError(f'the encoder embeds {weight.size(0)} words but the old vocabulary '
                         f'has {old_size}: pass the vocabulary it was trained with')
    changed = [(index, word, new_vocabulary.ixtoword.get(index))
               for index, word in old_vocabulary.ixtoword.items()
               if new_vocabulary.ixtoword.get(index) != word]
    if changed:
        raise ValueError(f'the new vocabulary must keep every old word id and only append; '
                         f'(id, old word, new word) differ, e.g. {changed[:5]}')
    synonyms = synonyms or {}
    rows, without_synonym = [], []
    with torch.no_grad():
        mean_row = weight[1:].mean(0)  # row 0 is padding
        for index in range(old_size, len(new_vocabulary)):
            word = new_vocabulary.ixtoword[index]
            synonym = synonyms.get(word)
            if synonym in old_vocabulary:
                rows.append(weight[old_vocabulary.wordtoix[synonym]].clone())
            else:
                rows.append(mean_row.clone())
                without_synonym.append(word)
        grown = torch.cat([weight.detach()] + [row[None] for row in rows])
    embedding = nn.Embedding(grown.size(0), grown.size(1), device=grown.device,
                             dtype=grown.dtype)
    embedding.weight.data.copy_(grown)
    embedding.weight.requires_grad_(weight.requires_grad)
    encoder.word_embedding = embedding
    encoder.vocab_size = grown.size(0)
    return without_synonym
