"""A stand-in two-network model for the launcher tests (train, resume, 2-process DDP).

It updates a 'generator' and a 'discriminator' from separate optimizers the way a GAN's
``train_step`` does, on random inputs, so the runner chain is exercised end to end.
"""
import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch import nn

from mmdmgan.registry import DATASETS, HOOKS, MODELS


@MODELS.register_module()
class ToyGAN(BaseModel):
    def __init__(self, dim: int = 8):
        super().__init__()
        self.generator = nn.Linear(dim, dim)
        self.discriminator = nn.Linear(dim, 1)

    def train_step(self, data, optim_wrapper):
        inputs = torch.stack(data['inputs']).float()
        with optim_wrapper['discriminator'].optim_context(self.discriminator):
            loss_d = self.discriminator(self.generator(inputs).detach()).mean()
        optim_wrapper['discriminator'].update_params(loss_d)
        # The discriminator is frozen during the generator step: gradients left in its .grad
        # would leak into its next update (and differ after a resume, which starts clean).
        self.discriminator.requires_grad_(False)
        with optim_wrapper['generator'].optim_context(self.generator):
            loss_g = -self.discriminator(self.generator(inputs)).mean()
        optim_wrapper['generator'].update_params(loss_g)
        self.discriminator.requires_grad_(True)
        return dict(loss_d=loss_d.detach(), loss_g=loss_g.detach())

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.generator(torch.stack(inputs).float())


@DATASETS.register_module()
class ToyDataset(torch.utils.data.Dataset):
    def __init__(self, size: int = 16, dim: int = 8, seed: int = 0):
        self.items = torch.randn(size, dim, generator=torch.Generator().manual_seed(seed))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return dict(inputs=self.items[index])


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
