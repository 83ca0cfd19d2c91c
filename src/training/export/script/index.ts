/**
 * The body of the exported train.py, by part: common.ts (imports, safetensors, the
 * training loop's frame), data.ts (loaders), classifier.ts or gan.ts (the model's run()),
 * launch.ts (command line, DistributedDataParallel over --nproc or under torchrun).
 * export/index.ts puts the model code and CONFIG between the head and the body.
 */
import { SCRIPT_CLASSIFIER } from './classifier';
import { SCRIPT_COMMON } from './common';
import { SCRIPT_DATA } from './data';
import { SCRIPT_GAN } from './gan';
import { SCRIPT_LAUNCH } from './launch';

export { scriptHead } from './common';

/** train.py's body for the classifiers (CNN, ViT) and the sequence transformer. */
export const SCRIPT_BODY = SCRIPT_COMMON + SCRIPT_DATA + SCRIPT_CLASSIFIER + SCRIPT_LAUNCH;

/** train.py's body for the GAN: both players, their two Adams, the fixed evaluation batch. */
export const GAN_SCRIPT_BODY = SCRIPT_COMMON + SCRIPT_DATA + SCRIPT_GAN + SCRIPT_LAUNCH;
