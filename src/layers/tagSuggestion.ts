/**
 * The tag an untagged candidate would need, as text: the prefill that "Add @gradcheck
 * tag…" starts from and the comment line it writes, and the command line's suggestion
 * for files where it finds layer-like code but no tag.
 */
import type { LayerLanguage, TagCandidate } from './types';

/** `x:[?] w:[?] y:int[?]<? conv_param={}`: one argument per parameter, each size left for the user. */
export function tagPrefill(params: TagCandidate['params']): string {
  return params.map((p) => (p.guess === 'tensor' ? `${p.name}:[?]` : p.guess === 'int' ? `${p.name}:int[?]<?` : `${p.name}={}`)).join(' ');
}

/** The comment line written above the candidate, without its line break. */
export function tagLine(language: LayerLanguage, indent: string, text: string): string {
  const body = `@gradcheck ${text.trim()}`;
  return language === 'python' ? `${indent}# ${body}` : `${indent}/** ${body} */`;
}

const KIND: Record<TagCandidate['convention'], string> = {
  pair: 'a forward/backward pair',
  loss: 'a loss function returning (loss, grads)',
  object: 'a layer object with forward and backward',
  autograd: 'a torch.autograd.Function',
};

/**
 * One untagged candidate as a sentence: "relu_forward/relu_backward at line 2 looks like
 * a forward/backward pair: put `# @gradcheck x:[?]` on the line above it, with a size for each ?".
 */
export function untaggedSuggestion(candidate: TagCandidate): string {
  const where = candidate.cell === undefined ? `line ${candidate.line + 1}` : `cell ${candidate.cell + 1}, line ${candidate.line + 1}`;
  const tag = tagLine(candidate.language, '', tagPrefill(candidate.params));
  const sizes = tag.includes('?') ? ', with a size for each ?' : '';
  return `${candidate.name} at ${where} looks like ${KIND[candidate.convention]}: put \`${tag}\` on the line above it${sizes}`;
}
