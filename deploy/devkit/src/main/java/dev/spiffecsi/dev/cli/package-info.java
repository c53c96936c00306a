/**
 * What the development distribution's commands share: their flags ({@link dev.spiffecsi.dev.cli.FlagValues}) and
 * the headings they are listed under in {@code spiffe-csi-driver --help}.
 */
package dev.spiffecsi.dev.cli;
