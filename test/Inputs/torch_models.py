#!/usr/bin/python3
"""Exports real architectures from Debian's torchvision / torch.nn with
torch.onnx (random weights, fixed seed) at test time; nothing is committed.

  torch_models.py NAME OUT.onnx [--size small|full]

Prints the graph input's name, shape and dtype as one JSON line (a list of
them for a model of several inputs). `small` sizes keep the e2e tier inside
CI's time; `full` is what bench/ measures."""
import argparse
import json
import warnings

import torch
import torchvision

warnings.filterwarnings("ignore")


class DecoderLM(torch.nn.Module):
    """A GPT-style decoder-only LM: token + position embeddings, pre-norm
    causal self-attention blocks, tied-free LM head. Token ids in, logits out."""

    def __init__(self, vocab, width, heads, layers, context):
        super().__init__()
        self.tokens = torch.nn.Embedding(vocab, width)
        self.positions = torch.nn.Embedding(context, width)
        block = torch.nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0,
                                                 batch_first=True, norm_first=True,
                                                 activation="gelu")
        self.blocks = torch.nn.TransformerEncoder(block, layers)
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, vocab, bias=False)

    def forward(self, ids):
        n = ids.shape[1]
        positions = torch.arange(n).unsqueeze(0)
        causal = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        h = self.tokens(ids) + self.positions(positions)
        return self.head(self.norm(self.blocks(h, mask=causal)))


def small_video_resnet():
    from torchvision.models.video.resnet import BasicBlock, BasicStem, Conv3DSimple, VideoResNet
    return VideoResNet(BasicBlock, [Conv3DSimple] * 4, [1, 1, 1, 1], BasicStem, num_classes=10)


def small_swin():
    """Two stages of shifted windows (4 x 4 windows on an 8 x 8 grid, padded
    where the grid is not a multiple): torchvision's Swin blocks, small."""
    from torchvision.models.swin_transformer import SwinTransformer
    return SwinTransformer([4, 4], 16, [2, 2], [2, 4], [4, 4], num_classes=10)


class OpticalFlow(torch.nn.Module):
    """torchvision's RAFT with a fixed number of flow updates, returning the
    last flow field: its correlation lookups are GridSample ops."""

    def __init__(self, raft, updates):
        super().__init__()
        self.raft, self.updates = raft, updates

    def forward(self, image1, image2):
        return self.raft(image1, image2, num_flow_updates=self.updates)[-1]


def frames(height, width):
    return torch.randn(1, 3, height, width), torch.randn(1, 3, height, width)


# name -> (small (model, input), full (model, input)); a tuple of inputs
# for a model of several.
MODELS = {
    "resnet18": (lambda: (torchvision.models.resnet18(num_classes=10), torch.randn(1, 3, 32, 32)),
                 lambda: (torchvision.models.resnet18(), torch.randn(1, 3, 224, 224))),
    "mobilenet_v3": (lambda: (torchvision.models.mobilenet_v3_small(num_classes=10),
                              torch.randn(1, 3, 64, 64)),
                     lambda: (torchvision.models.mobilenet_v3_small(), torch.randn(1, 3, 224, 224))),
    "vit": (lambda: (torchvision.models.VisionTransformer(32, 8, 2, 2, 32, 64, num_classes=10),
                     torch.randn(1, 3, 32, 32)),
            lambda: (torchvision.models.vit_b_16(), torch.randn(1, 3, 224, 224))),
    "lraspp": (lambda: (torchvision.models.segmentation.lraspp_mobilenet_v3_large(
                            weights=None, weights_backbone=None, num_classes=4),
                        torch.randn(1, 3, 64, 64)),
               lambda: (torchvision.models.segmentation.fcn_resnet50(
                            weights=None, weights_backbone=None, aux_loss=False),
                        torch.randn(1, 3, 224, 224))),
    # Grouped 3x3 convolutions of 8 channels a group (6 to 55 groups).
    "regnet": (lambda: (torchvision.models.regnet_y_400mf(num_classes=10),
                        torch.randn(1, 3, 32, 32)),
               lambda: (torchvision.models.regnet_y_1_6gf(), torch.randn(1, 3, 224, 224))),
    "swin": (lambda: (small_swin(), torch.randn(1, 3, 40, 40)),
             lambda: (torchvision.models.swin_t(), torch.randn(1, 3, 224, 224))),
    "video_resnet": (lambda: (small_video_resnet(), torch.randn(1, 3, 4, 32, 32)),
                     lambda: (torchvision.models.video.r3d_18(), torch.randn(1, 3, 8, 112, 112))),
    "decoder_lm": (lambda: (DecoderLM(64, 32, 2, 2, 16), torch.randint(0, 64, (1, 16))),
                   lambda: (DecoderLM(8192, 256, 4, 4, 128), torch.randint(0, 8192, (1, 128)))),
    # 128 x 128 frames: the smallest whose correlation pyramid (1/8 scale,
    # four levels) keeps two pixels a side at its coarsest; at 64 x 64 its
    # 1 x 1 level divides by zero in torchvision's coordinate normalization.
    "raft": (lambda: (OpticalFlow(torchvision.models.optical_flow.raft_small(), 3),
                      frames(128, 128)),
             lambda: (OpticalFlow(torchvision.models.optical_flow.raft_large(), 12),
                      frames(368, 496))),
}
INPUT_NAMES = {"raft": ["image1", "image2"]}
OUTPUT_NAMES = {"lraspp": ["out"], "raft": ["flow"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(MODELS))
    parser.add_argument("out")
    parser.add_argument("--size", choices=["small", "full"], default="small")
    args = parser.parse_args()
    torch.manual_seed(0)
    model, example = MODELS[args.name][0 if args.size == "small" else 1]()
    if hasattr(model, "heads"):  # torchvision zero-initializes ViT's head: the output would be 0
        torch.nn.init.normal_(model.heads.head.weight, std=0.5)
    model.eval()
    names = INPUT_NAMES.get(args.name, ["input"])
    # Opset 14: aten::triu (the causal mask) exports as Trilu from 14 on;
    # 16: GridSample.
    opset = 16 if args.name == "raft" else 14
    # Not under no_grad: there nn.MultiheadAttention takes a fused fast path
    # that torch 1.13 cannot export.
    torch.onnx.export(model, example, args.out, opset_version=opset, input_names=names,
                      output_names=OUTPUT_NAMES.get(args.name, ["logits"]))
    examples = example if isinstance(example, tuple) else (example,)
    infos = [{"name": name, "shape": list(x.shape),
              "dtype": "int64" if x.dtype == torch.int64 else "float32",
              "high": 64 if args.size == "small" else 8192} for name, x in zip(names, examples)]
    print(json.dumps(infos if len(infos) > 1 else infos[0]))


if __name__ == "__main__":
    main()
