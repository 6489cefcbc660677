import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as multiprocessing
from mmengine.evaluator import Evaluator
from mmengine.model import BaseModule
from torch import nn

from mmdmgan.evaluation.metrics import RPrecision
from mmdmgan.registry import MODELS
from mmdmgan.structures import DataSample

FEATURE_DIM = 16
VOCABULARY = 50


@MODELS.register_module(force=True)
class StandInTextEncoder(BaseModule):
    """Sentence feature = sum of the embeddings of the first ``caption_len`` tokens."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY, FEATURE_DIM)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)

    def forward(self, caption_ids, caption_len):
        assert (caption_len[:-1] >= caption_len[1:]).all(), 'lengths must be sorted'
        words = self.embedding(caption_ids)  # B×T×D
        mask = torch.arange(caption_ids.shape[1])[None] < caption_len[:, None]
        return words.transpose(1, 2), (words * mask[..., None]).sum(1)


@MODELS.register_module(force=True)
class StandInImageEncoder(BaseModule):
    """Global feature = the first FEATURE_DIM pixels of the first row of channel 0."""

    def forward(self, images):
        return images[:, :, :17, :17], images[:, 0, 0, :FEATURE_DIM]


def feature_samples(image_features, sentence_features, groups):
    return [{'image_feature': image, 'sentence_feature': sentence, 'class_id': group}
            for image, sentence, group in zip(image_features, sentence_features, groups)]


def evaluate(metric, samples):
    for start in range(0, len(samples), 32):
        metric.process({}, samples[start:start + 32])
    return metric.evaluate(size=len(samples))


@pytest.fixture(scope='module')
def sentences():
    rng = np.random.default_rng(0)
    return rng.normal(size=(120, FEATURE_DIM)).astype(np.float32), np.arange(120) // 10


def test_perfect_adversarial_and_known_fraction(sentences):
    features, groups = sentences
    perfect = evaluate(RPrecision(), feature_samples(features, features, groups))
    assert perfect == pytest.approx({'RPrecision/r_precision': 1.0,
                                      'RPrecision/r_precision_std': 0.0})
    adversarial = evaluate(RPrecision(), feature_samples(-features, features, groups))
    assert adversarial['RPrecision/r_precision'] == 0.0
    images = np.where(np.arange(120)[:, None] % 4 == 0, features, -features)
    quarter = evaluate(RPrecision(), feature_samples(images, features, groups))
    assert quarter['RPrecision/r_precision'] == pytest.approx(0.25)


def test_deterministic_and_groups_respected(sentences):
    features, groups = sentences
    rng = np.random.default_rng(1)
    noisy = features + rng.normal(scale=2.0, size=features.shape).astype(np.float32)
    first = evaluate(RPrecision(seed=3), feature_samples(noisy, features, groups))
    again = evaluate(RPrecision(seed=3), feature_samples(noisy, features, groups))
    assert first == again and 0 < first['RPrecision/r_precision'] < 1
    # With a duplicate caption in another class the image would tie; within the own class it
    # must never be drawn as a mismatch: give every sample of a class the same caption.
    class_captions = features[groups * 10]
    same_class = evaluate(RPrecision(), feature_samples(class_captions, class_captions, groups))
    assert same_class['RPrecision/r_precision'] == 1.0


def test_encoders_from_configs_on_images_and_captions():
    torch.manual_seed(0)
    metric = RPrecision(text_encoder=dict(type='StandInTextEncoder'),
                        image_encoder=dict(type='StandInImageEncoder'), num_folds=4)
    lengths = torch.randint(2, 9, (104,))
    captions = [torch.randint(1, VOCABULARY, (int(length),)) for length in lengths]
    with torch.no_grad():
        padded = torch.zeros(104, 8, dtype=torch.long)
        for row, caption in enumerate(captions):
            padded[row, :len(caption)] = caption
        order = torch.argsort(lengths, descending=True)
        sentences = torch.empty(104, FEATURE_DIM)
        sentences[order] = metric.text_encoder(padded[order], lengths[order])[1]
    samples = []
    for index in range(104):
        image = torch.zeros(3, 32, 32)
        image[0, 0, :FEATURE_DIM] = sentences[index]  # the image "shows" its own caption
        samples.append({'fake_img': image, 'caption_ids': captions[index],
                        'caption_len': lengths[index], 'class_id': index})
    # Batches of unsorted lengths: the metric sorts them for the RNN and restores the order.
    assert evaluate(metric, samples)['RPrecision/r_precision'] == 1.0


def test_errors_name_the_missing_piece(sentences):
    features, groups = sentences
    samples = feature_samples(features, features, groups)
    for sample in samples:
        del sample['class_id']
    with pytest.raises(KeyError, match="'class_id'"):
        RPrecision().process({}, samples[:4])
    with pytest.raises(ValueError, match='image_encoder'):
        RPrecision().process({}, [{'fake_img': torch.zeros(3, 8, 8), 'class_id': 0}])
    every_sample_own_group = evaluate(RPrecision(group_key=None), samples)
    assert every_sample_own_group['RPrecision/r_precision'] == 1.0


def test_through_mmengine_evaluator_with_data_samples(sentences):
    features, groups = sentences
    evaluator = Evaluator([dict(type='mmdmgan.RPrecision', prefix='cub')])
    samples = [DataSample(image_feature=torch.from_numpy(feature),
                          sentence_feature=torch.from_numpy(feature), class_id=int(group))
               for feature, group in zip(features, groups)]
    for start in range(0, 120, 40):
        evaluator.process(samples[start:start + 40])
    assert evaluator.evaluate(120) == {'cub/r_precision': 1.0, 'cub/r_precision_std': 0.0}


def _evaluate_on_rank(rank, world_size, port, image_features, sentence_features, groups, queue):
    torch.distributed.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                                         rank=rank, world_size=world_size)
    # DefaultSampler without shuffling gives rank r the samples r, r + world_size, ...
    samples = feature_samples(image_features, sentence_features, groups)[rank::world_size]
    metric = RPrecision(seed=5)
    metric.process({}, samples)
    queue.put((rank, metric.evaluate(size=len(groups))))
    torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_two_ranks_give_the_one_rank_result(sentences):
    features, groups = sentences
    noisy = features + np.random.default_rng(2).normal(scale=2.0, size=features.shape)
    noisy = noisy.astype(np.float32)
    single = evaluate(RPrecision(seed=5), feature_samples(noisy, features, groups))
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    processes = [context.Process(target=_evaluate_on_rank,
                                 args=(rank, 2, port, noisy, features, groups, queue))
                 for rank in range(2)]
    for process in processes:
        process.start()
    results = dict(queue.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    assert results[0] == single  # rank 0 computes; the others receive the broadcast
    assert results[1] == single
