"""Test-only modules for the tiny DM-GAN config (needs tests/configs on PYTHONPATH).

``TinyImageEncoder`` has the DAMSM image encoder's interface (B×3×H×W in [-1, 1] → regions
B×D×8×8, code B×D) without Inception-v3, whose 299×299 forward/backward takes seconds per
image on a CPU. ``SaveRankWeightsHook`` lets the 2-process test compare the DDP replicas.
"""
import torch
import torch.nn.functional as F
from mmengine.hooks import Hook
from mmengine.model import BaseModule
from torch import nn

from mmdmgan.registry import HOOKS, MODELS


@MODELS.register_module()
class TinyImageEncoder(BaseModule):
    def __init__(self, embedding_dim: int = 32):
        super().__init__()
        self.trunk = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                                   nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.LeakyReLU(0.2))
        self.region_projection = nn.Conv2d(16, embedding_dim, kernel_size=1, bias=False)
        self.global_projection = nn.Linear(16, embedding_dim)

    def forward(self, img):
        features = F.adaptive_avg_pool2d(self.trunk(img), 8)
        return self.region_projection(features), self.global_projection(features.mean((2, 3)))


@HOOKS.register_module()
class SaveRankWeightsHook(Hook):
    """Writes every rank's first and final weights, so a test can compare the DDP replicas."""

    def before_train(self, runner):
        self._save(runner, 'initial')

    def after_run(self, runner):
        self._save(runner, 'weights')

    @staticmethod
    def _save(runner, name):
        model = getattr(runner.model, 'module', runner.model)
        rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
        torch.save(model.state_dict(), f'{runner.work_dir}/rank{rank}_{name}.pth')
