# DM-GAN ablation on CUB (Zhu et al. 2019, Sec. 4, Table 3): the full
# dynamic memory, i.e. configs/dmgan_cub.py with both gates named explicitly, so the four
# ablation runs share one folder and one recipe (docs/networks.md).
_base_ = ['../dmgan_cub.py']

model = dict(generator=dict(
    memory=dict(type='DynamicMemory', writing_gate=True, response_gate=True)))
