/** Unit tests of the frontend's pure parts (models, formatting), run by `npm test`. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  testRegex: 'src/.*/__tests__/.*\\.spec\\.ts$|src/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  }
};
