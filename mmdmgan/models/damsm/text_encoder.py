"""DAMSM text encoder: word embedding + one-layer bidirectional LSTM (AttnGAN, Sec. 3.3)."""
from typing import Optional, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

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
