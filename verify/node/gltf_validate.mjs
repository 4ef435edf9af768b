// Runs the Khronos glTF validator on GLB/glTF files and prints one JSON array with, per file, the
// counts of errors, warnings and infos and the first messages of each severity.
// Usage: node gltf_validate.mjs FILE.glb...
import { readFileSync } from 'node:fs';
import validator from 'gltf-validator';

const keep = 20; // enough to diagnose without flooding the test log

async function check(path) {
  const report = await validator.validateBytes(new Uint8Array(readFileSync(path)), {
    uri: path,
    maxIssues: 0,
    // External resources are not expected: the pipeline writes self-contained GLB.
    externalResourceFunction: (uri) => Promise.reject(new Error(`external resource ${uri}`)),
  });
  const issues = report.issues;
  const pick = (sev) => issues.messages.filter((m) => m.severity === sev).slice(0, keep)
    .map((m) => `${m.code} ${m.pointer || ''}: ${m.message}`);
  return {
    path,
    errors: issues.numErrors,
    warnings: issues.numWarnings,
    infos: issues.numInfos,
    hints: issues.numHints,
    error_messages: pick(0),
    warning_messages: pick(1),
    info_messages: pick(2),
    generator: report.info && report.info.generator,
    animations: report.info && report.info.animationCount,
  };
}

const out = [];
for (const path of process.argv.slice(2)) {
  try {
    out.push(await check(path));
  } catch (e) {
    out.push({ path, error: String(e && e.stack ? e.stack : e) });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
