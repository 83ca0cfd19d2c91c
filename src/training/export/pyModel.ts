/**
 * The model as plain PyTorch code: a Sequential from the same LayerSpec list that
 * build.ts turns into engine modules (so the state-dict names "0.weight", "1.running_mean"
 * ... line up), or the transformer classes of models/attention.ts with the same
 * attribute names (block0.attn.qProj.weight ...). Layouts are PyTorch's already: NCHW,
 * conv weights [out, in, k, k], linear weights [out, in].
 */
import type { LayerSpec } from '../summary';

const py = (v: number): string => (Number.isInteger(v) ? String(v) : String(v));

/** Python lines building nn.Sequential(...) for `layers` on input `input` ([C, H, W] or [N]). */
export function sequentialPython(input: number[], layers: LayerSpec[], leakySlope = 0.2): string[] {
  let shape = [...input];
  const lines = layers.map((l, i): string => {
    let code: string;
    switch (l.kind) {
      case 'conv': {
        const s = l.stride ?? 1,
          p = l.padding ?? 0;
        code = `nn.Conv2d(${shape[0]}, ${l.out}, kernel_size=${l.kernel}, stride=${s}, padding=${p})`;
        shape = [l.out, Math.floor((shape[1] - l.kernel + 2 * p) / s) + 1, Math.floor((shape[2] - l.kernel + 2 * p) / s) + 1];
        break;
      }
      case 'batchnorm':
        code = `nn.BatchNorm${shape.length === 3 ? '2d' : '1d'}(${shape[0]}, eps=1e-05, momentum=0.1)`;
        break;
      case 'relu':
        code = 'nn.ReLU()';
        break;
      case 'leakyrelu':
        code = `nn.LeakyReLU(${py(leakySlope)})`;
        break;
      case 'tanh':
        code = 'nn.Tanh()';
        break;
      case 'sigmoid':
        code = 'nn.Sigmoid()';
        break;
      case 'maxpool': {
        const s = l.stride ?? l.kernel;
        code = `nn.MaxPool2d(kernel_size=${l.kernel}, stride=${s})`;
        shape = [shape[0], Math.floor((shape[1] - l.kernel) / s) + 1, Math.floor((shape[2] - l.kernel) / s) + 1];
        break;
      }
      case 'flatten':
        code = 'nn.Flatten()';
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'linear':
        code = `nn.Linear(${shape[0]}, ${l.out})`;
        shape = [l.out];
        break;
      case 'dropout':
        code = `nn.Dropout(p=${py(l.p)})`;
        break;
      default:
        throw new Error(`layer kind '${l.kind}' has no PyTorch export`);
    }
    return `        ${code},  # ${i}: -> ${shape.join('x')}`;
  });
  return lines;
}

/** The pre-norm transformer of models/attention.ts, attribute for attribute. */
export const TRANSFORMER_PYTHON = `class SelfAttention(nn.Module):
    """Multi-head self-attention, separate Q, K, V and output projections (no dropout)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qProj = nn.Linear(dim, dim)
        self.kProj = nn.Linear(dim, dim)
        self.vProj = nn.Linear(dim, dim)
        self.outProj = nn.Linear(dim, dim)

    def forward(self, x, causal):
        b, t, d = x.shape
        h = self.heads

        def split(y):  # [B, T, D] -> [B, H, T, D/H]
            return y.reshape(b, t, h, d // h).permute(0, 2, 1, 3)

        q, k, v = split(self.qProj(x)), split(self.kProj(x)), split(self.vProj(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)
        if causal:
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
            scores = scores.masked_fill(~mask, float("-inf"))
        out = scores.softmax(dim=-1) @ v
        return self.outProj(out.permute(0, 2, 1, 3).reshape(b, t, d))


class TransformerBlock(nn.Module):
    """Pre-norm: x + attn(norm1(x)), then y + fc2(gelu(fc1(norm2(y))))."""

    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-05)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-05)
        self.fc1 = nn.Linear(dim, mlp)
        self.fc2 = nn.Linear(mlp, dim)

    def forward(self, x, causal):
        y = x + self.attn(self.norm1(x), causal)
        return y + self.fc2(F.gelu(self.fc1(self.norm2(y))))


class Positions(nn.Module):
    """A learned [T, D] table added to every example."""

    def __init__(self, length, dim):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(length, dim))

    def forward(self, x):
        return x + self.table


class TransformerModel(nn.Module):
    """What the ViT and the sequence model share: positions, pre-norm blocks, a final norm
    and a linear head, under GradLens's state-dict names (positions.table, block0..., norm, head)."""

    def __init__(self, tokens, dim, heads, mlp, layers, outputs):
        super().__init__()
        self.depth = layers
        self.positions = Positions(tokens, dim)
        for i in range(layers):
            self.add_module(f"block{i}", TransformerBlock(dim, heads, mlp))
        self.norm = nn.LayerNorm(dim, eps=1e-05)
        self.head = nn.Linear(dim, outputs)

    def trunk(self, x, causal):
        """Embedded tokens [B, T, D] -> normalised features [B, T, D]."""
        x = self.positions(x)
        for i in range(self.depth):
            x = getattr(self, f"block{i}")(x, causal)
        return self.norm(x)
`;

export function vitPython(
  input: number[],
  classes: number,
  patch: number,
  dim: number,
  heads: number,
  mlp: number,
  layers: number,
): string {
  const [c, h, w] = input;
  const tokens = (h / patch) * (w / patch);
  return `${TRANSFORMER_PYTHON}

def patchify(images, p):
    """[N, C, H, W] -> [N, (H/p)(W/p), p*p*C]; patches row by row, elements in (row, col, channel) order."""
    n, c, h, w = images.shape
    x = images.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(n, (h // p) * (w // p), p * p * c)


class TinyViT(TransformerModel):
    """Images [B, ${c}, ${h}, ${w}] -> logits [B, ${classes}] through ${tokens} patches of ${patch}x${patch}."""

    def __init__(self):
        super().__init__(${tokens}, ${dim}, ${heads}, ${mlp}, ${layers}, ${classes})
        self.patch = ${patch}
        self.patchEmbed = nn.Linear(${patch * patch * c}, ${dim})

    def forward(self, images):
        return self.head(self.trunk(self.patchEmbed(patchify(images, self.patch)), False).mean(dim=1))


def build_model():
    return TinyViT()
`;
}

export function sequencePython(
  vocab: number,
  length: number,
  causal: boolean,
  dim: number,
  heads: number,
  mlp: number,
  layers: number,
): string {
  return `${TRANSFORMER_PYTHON}

class SequenceTransformer(TransformerModel):
    """Token ids [B, ${length}] -> logits [B, ${length}, ${vocab}]${causal ? ', causal' : ''}."""

    def __init__(self):
        super().__init__(${length}, ${dim}, ${heads}, ${mlp}, ${layers}, ${vocab})
        self.causal = ${causal ? 'True' : 'False'}
        self.embed = nn.Embedding(${vocab}, ${dim})

    def forward(self, ids):
        return self.head(self.trunk(self.embed(ids), self.causal))


def build_model():
    return SequenceTransformer()
`;
}

export function cnnPython(input: number[], layers: LayerSpec[]): string {
  return `def build_model():
    """The CNN on [N, ${input.join(', ')}] inputs; children are numbered as GradLens's Sequential."""
    return nn.Sequential(
${sequentialPython(input, layers).join('\n')}
    )
`;
}

/** Generator and discriminator of models/gan.ts as children G and D (state-dict names "G.0.weight", "D.0.weight" ...). */
export function ganPython(latent: number, sampleSize: number, g: LayerSpec[], d: LayerSpec[], leakySlope: number): string {
  return `class GAN(nn.Module):
    """G: latent noise [B, ${latent}] -> samples [B, ${sampleSize}]; D: samples -> one logit, D(x) = sigmoid(logit)."""

    def __init__(self):
        super().__init__()
        self.G = nn.Sequential(
${sequentialPython([latent], g)
  .map((l) => `    ${l}`)
  .join('\n')}
        )
        self.D = nn.Sequential(
${sequentialPython([sampleSize], d, leakySlope)
  .map((l) => `    ${l}`)
  .join('\n')}
        )


def build_model():
    return GAN()
`;
}
