export { docker, labContainer } from "../tests/lab-env";
