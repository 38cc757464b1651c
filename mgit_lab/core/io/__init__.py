"""Load and save adapters: nn.Module, state dicts, safetensors, Hugging Face folders."""
