"""Building blocks shared by the DM-GAN generator stages, and the reference weight init."""
from torch import Tensor, nn


class GLU(nn.Module):
    """Gated linear unit over channels: x[:, :C/2] · σ(x[:, C/2:])."""

    def forward(self, x: Tensor) -> Tensor:
        if x.size(1) % 2:
            raise ValueError(f'GLU needs an even number of channels, got {x.size(1)}')
        return nn.functional.glu(x, dim=1)


def conv3x3(in_channels: int, out_channels: int, bias: bool = False) -> nn.Conv2d:
    """3×3 convolution that keeps the spatial size."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=bias)


class UpBlock(nn.Sequential):
    """Nearest ×2, bias-free 3×3 conv to 2·C_out, BN, GLU: C_in×H×W → C_out×2H×2W."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.upsample = nn.Upsample(scale_factor=2, mode='nearest')
        self.conv = conv3x3(in_channels, out_channels * 2)
        self.norm = nn.BatchNorm2d(out_channels * 2)
        self.glu = GLU()


class ResidualBlock(nn.Module):
    """x + BN(conv3×3(GLU(BN(conv3×3(x))))), channels kept (C×H×W → C×H×W)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = conv3x3(channels, channels * 2)
        self.norm1 = nn.BatchNorm2d(channels * 2)
        self.glu = GLU()
        self.conv2 = conv3x3(channels, channels)
        self.norm2 = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.norm2(self.conv2(self.glu(self.norm1(self.conv1(x)))))


def reference_init_(module: nn.Module) -> None:
    """The reference's weight init, applied to ``module`` and all its children.

    Convolutions (1d and 2d) and linear layers get orthogonal weights (gain 1); linear
    biases are zeroed while convolution biases keep PyTorch's default; BatchNorm weights are
    drawn from N(1, 0.02) and biases zeroed. Spectral-normalised convolutions must be
    initialised before the parametrisation is registered.
    """
    for child in module.modules():
        if isinstance(child, (nn.Conv1d, nn.Conv2d)):
            nn.init.orthogonal_(child.weight, 1.0)
        elif isinstance(child, nn.Linear):
            nn.init.orthogonal_(child.weight, 1.0)
            if child.bias is not None:
                nn.init.zeros_(child.bias)
        elif isinstance(child, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(child.weight, 1.0, 0.02)
            nn.init.zeros_(child.bias)
