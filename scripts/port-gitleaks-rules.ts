import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';

// Ports gitleaks' default rule set (config/gitleaks.toml, MIT) to the data file the redactor reads:
//   npx tsx scripts/port-gitleaks-rules.ts <path to gitleaks.toml> <gitleaks commit>
// Regexes are kept as written (RE2 syntax): src/domain/secret-scan.ts runs them with re2js, so they
// match exactly as in gitleaks and in linear time. Path-only rules and path/commit allowlists do not
// apply to text typed into a handoff and are left out.

interface TomlAllowlist {
  description?: string;
  condition?: 'AND' | 'OR';
  regexTarget?: 'secret' | 'match' | 'line';
  regexes?: string[];
  stopwords?: string[];
  paths?: string[];
  commits?: string[];
}
interface TomlRule {
  id: string;
  regex?: string;
  secretGroup?: number;
  entropy?: number;
  keywords?: string[];
  allowlists?: TomlAllowlist[];
}

export const rulesFile = join(__dirname, '..', 'src', 'domain', 'secret-rules-gitleaks.json');

function portAllowlist(list: TomlAllowlist) {
  // A condition=AND list that also names paths can never hold for text without a path.
  if (list.condition === 'AND' && (list.paths?.length || list.commits?.length)) return undefined;
  if (!list.regexes?.length && !list.stopwords?.length) return undefined;
  return {
    ...(list.condition === 'AND' ? { condition: 'AND' } : {}),
    ...(list.regexTarget && list.regexTarget !== 'secret' ? { regexTarget: list.regexTarget } : {}),
    ...(list.regexes?.length ? { regexes: list.regexes } : {}),
    ...(list.stopwords?.length ? { stopwords: list.stopwords.map((s) => s.toLowerCase()) } : {}),
  };
}

if (require.main === module) {
  const [tomlPath, commit] = process.argv.slice(2);
  if (!tomlPath || !commit) {
    console.error('usage: tsx scripts/port-gitleaks-rules.ts <gitleaks.toml> <gitleaks commit>');
    process.exit(2);
  }
  const config = parse(readFileSync(tomlPath, 'utf8')) as unknown as { allowlist?: TomlAllowlist; rules: TomlRule[] };
  const rules = config.rules
    .filter((rule) => rule.regex)
    .map((rule) => {
      const allowlists = (rule.allowlists ?? []).map(portAllowlist).filter((a) => a !== undefined);
      return {
        id: rule.id,
        regex: rule.regex,
        ...(rule.secretGroup ? { secretGroup: rule.secretGroup } : {}),
        ...(rule.entropy ? { entropy: rule.entropy } : {}),
        keywords: (rule.keywords ?? []).map((k) => k.toLowerCase()),
        ...(allowlists.length ? { allowlists } : {}),
      };
    });
  const data = {
    source: {
      project: 'gitleaks (https://github.com/gitleaks/gitleaks)',
      file: 'config/gitleaks.toml',
      commit,
      license: 'MIT License, Copyright (c) 2019 Zachary Rice',
      ported: 'scripts/port-gitleaks-rules.ts',
    },
    allowlist: portAllowlist(config.allowlist ?? {}) ?? {},
    rules,
  };
  writeFileSync(rulesFile, `${JSON.stringify(data, null, 1)}\n`);
  console.log(`${rules.length} rules written to ${rulesFile}`);
}
