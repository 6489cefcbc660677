# DM-GAN ablation on CUB (Zhu et al. 2019, Sec. 4, Table 3): the memory
# writing gate on, the response gate off (the memory output is added to the image features,
# r' = r + o). Everything else is configs/dmgan_cub.py (docs/networks.md).
_base_ = ['../dmgan_cub.py']

model = dict(generator=dict(
    memory=dict(type='DynamicMemory', writing_gate=True, response_gate=False)))
