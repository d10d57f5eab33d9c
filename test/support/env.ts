/** What scripts/test.ts hands to every test process. Running a test file alone needs the same variables. */
export function testEnv() {
  const temporalAddress = process.env.LATCHKEY_TEST_TEMPORAL_ADDRESS;
  const postgresUrl = process.env.LATCHKEY_TEST_PG_URL;
  if (!temporalAddress || !postgresUrl) {
    throw new Error(
      'Run the tests with `npm test`, which starts Temporal and sets LATCHKEY_TEST_TEMPORAL_ADDRESS and LATCHKEY_TEST_PG_URL.',
    );
  }
  return { temporalAddress, postgresUrl };
}
