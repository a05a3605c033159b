namespace Arroyo.Runtime;
