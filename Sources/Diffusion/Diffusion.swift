// The Stable Diffusion engine (issue 4).
