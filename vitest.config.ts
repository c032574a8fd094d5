import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // @oclif/test's runCommand captures stdout itself; vitest must not intercept console.
    disableConsoleIntercept: true,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the system programs the tests use (libvirt, QEMU, xmllint, etcd): installed as root, else one clear stop
    globalSetup: ['test/setup/system-deps.ts'],
  },
})
