// Type declarations for tar.mjs, generated from its JSDoc (keep in sync):
//   npx tsc --allowJs --declaration --emitDeclarationOnly --strict --module nodenext --moduleResolution nodenext --target es2022 --types node --outDir corpora/lib corpora/lib/tar.mjs

/**
 * Read the regular files of an uncompressed tar archive.
 * @param {Buffer} tar
 * @returns {Map<string, Buffer>} path inside the archive -> contents
 */
export function readTar(tar: Buffer): Map<string, Buffer>;
/**
 * Read the regular files of a gzipped tar archive (.tgz).
 * @param {Buffer} tgz
 * @returns {Map<string, Buffer>}
 */
export function readTarGz(tgz: Buffer): Map<string, Buffer>;
