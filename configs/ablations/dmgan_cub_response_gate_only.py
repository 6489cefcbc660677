# DM-GAN ablation on CUB (Zhu et al. 2019, Sec. 4, Table 3): the memory
# writing gate off (the memory holds the words alone, m_i = M_w(w_i)), the response gate on.
# Everything else is configs/dmgan_cub.py (docs/networks.md).
_base_ = ['../dmgan_cub.py']

model = dict(generator=dict(
    memory=dict(type='DynamicMemory', writing_gate=False, response_gate=True)))
