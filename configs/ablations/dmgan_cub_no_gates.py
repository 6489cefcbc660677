# DM-GAN ablation on CUB (Zhu et al. 2019, Sec. 4, Table 3): the dynamic memory
# without its gates (memory m_i = M_w(w_i), response r' = r + o). Everything else is
# configs/dmgan_cub.py (docs/networks.md).
_base_ = ['../dmgan_cub.py']

model = dict(generator=dict(
    memory=dict(type='DynamicMemory', writing_gate=False, response_gate=False)))
